/** The longest run two sequences share (characters of strings, or items of arrays): its length, and where it ends in `a`. */
export function longestCommonRun<T>(a: ArrayLike<T>, b: ArrayLike<T>): { length: number; end: number } {
  let best = { length: 0, end: 0 };
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = b.length; j >= 1; j--) {
      row[j] = a[i - 1] === b[j - 1] ? row[j - 1] + 1 : 0;
      if (row[j] > best.length) best = { length: row[j], end: i };
    }
  }
  return best;
}
