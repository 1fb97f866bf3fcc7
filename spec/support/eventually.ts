/**
 * The one polling helper of the suite: resolves once `check()` holds, polling on every turn of the
 * event loop; fails after `within` ms with `what` (a guard against a hang, never a timing
 * assertion: nothing here waits a fixed time to decide an outcome).
 */
export async function eventually(check: () => boolean | Promise<boolean>, what = 'the condition', within = 5_000): Promise<void> {
  const end = Date.now() + within;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not hold within ${within} ms`);
    await new Promise<void>((r) => setTimeout(r, 1));
  }
}
