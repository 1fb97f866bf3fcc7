export const consolePage = (): string => '<!doctype html><title>lp-emulator</title>';
