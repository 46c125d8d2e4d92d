/** Entries by key with one timer for all of them: what both ends of the run link keep per open run. */
export interface TickingMap<V> {
  /** Adds an entry; the returned function removes it (if it is still this one). */
  set(key: string, value: V): () => void;
  get(key: string): V | undefined;
  size(): number;
  /** Stops the timer (entries stay). */
  close(): void;
}

/**
 * A map whose entries are all visited every `intervalMs` by one timer, which runs only while
 * the map holds something: heartbeats of every open run, grant repeats of every streamed run.
 */
export function createTickingMap<V>(intervalMs: number, visit: (key: string, value: V) => void): TickingMap<V> {
  const entries = new Map<string, V>();
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  return {
    set(key, value) {
      entries.set(key, value);
      timer ??= setInterval(() => {
        for (const [entryKey, entry] of entries) visit(entryKey, entry);
      }, intervalMs);
      return () => {
        if (entries.get(key) === value) entries.delete(key);
        if (entries.size === 0) stop();
      };
    },
    get: (key) => entries.get(key),
    size: () => entries.size,
    close: stop,
  };
}
