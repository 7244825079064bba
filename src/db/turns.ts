/**
 * Turns taken one at a time, in the order asked: `await turn()` resolves when the previous holder
 * released, with the release function (idempotent). Both engines queue their transactions so.
 */
export function turnQueue(): () => Promise<() => void> {
  let tail: Promise<void> = Promise.resolve();
  return async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const previous = tail;
    tail = previous.then(() => held);
    await previous;
    let released = false;
    return () => {
      if (!released) (released = true), release();
    };
  };
}
