import { firstValueFrom, filter, type Observable, timeout, take, toArray } from 'rxjs';

/** The first value matching `predicate`, failing the test after `ms` of waiting (a guard, not an assertion on time). */
export function next<T>(source$: Observable<T>, predicate: (v: T) => boolean = () => true, ms = 5_000): Promise<T> {
  return firstValueFrom(source$.pipe(filter(predicate), timeout({ first: ms })));
}

/** The first `n` values matching `predicate`. */
export function collect<T>(source$: Observable<T>, n: number, predicate: (v: T) => boolean = () => true, ms = 5_000): Promise<T[]> {
  return firstValueFrom(source$.pipe(filter(predicate), take(n), toArray(), timeout({ first: ms })));
}

/** Node's live handles by kind, to prove nothing is left behind. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}
