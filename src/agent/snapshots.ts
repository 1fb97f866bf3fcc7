/**
 * After a reconnect, the snapshots of the replayed conversation subscriptions say which
 * conversations are open now. Once every one of them has arrived, `done` gets their union, and the
 * agent stops following what closed (or left it) while it was away. A replay that failed, or a
 * socket that dropped before the snapshots came, reconciles nothing.
 *
 * @example
 * const watch = new SnapshotWatch((open) => resume.reconcile(open));
 * watch.expect(true); watch.awaiting('sub-2'); watch.replayed(); watch.onSnapshot('sub-2', ['conv-1']);
 */
export class SnapshotWatch {
  private readonly pending = new Set<string>();
  private readonly open = new Set<string>();
  private active = false;
  private replaying = false;

  constructor(private readonly done: (open: ReadonlySet<string>) => void) {}

  /** A replay starts: `on` when it replays at least one conversation subscription. */
  expect(on: boolean): void {
    this.pending.clear();
    this.open.clear();
    this.active = on;
    this.replaying = on;
  }

  /** A replayed subscription got its (new) id: its snapshot is awaited. */
  awaiting(subscriptionId: string): void {
    if (this.active) this.pending.add(subscriptionId);
  }

  /** Every replayed request was answered. */
  replayed(): void {
    this.replaying = false;
    this.settle();
  }

  /** A replayed subscription failed: the union would be partial, so nothing is reconciled. */
  cancel(): void {
    this.active = false;
  }

  /** A conversation notification; the first one of an awaited subscription is its snapshot. */
  onSnapshot(subscriptionId: string | undefined, convIds: readonly string[]): void {
    if (!this.active || subscriptionId === undefined || !this.pending.delete(subscriptionId)) return;
    for (const id of convIds) this.open.add(id);
    this.settle();
  }

  private settle(): void {
    if (!this.active || this.replaying || this.pending.size > 0) return;
    this.active = false;
    this.done(this.open);
  }
}
