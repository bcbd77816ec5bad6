/** Length of the longest run two sequences share (characters of strings, or items of arrays). */
export function longestCommonRun<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  let best = 0;
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = b.length; j >= 1; j--) {
      row[j] = a[i - 1] === b[j - 1] ? row[j - 1] + 1 : 0;
      best = Math.max(best, row[j]);
    }
  }
  return best;
}
