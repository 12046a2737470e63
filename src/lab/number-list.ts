// An experiment option that holds a sweep: a comma-separated list of numbers ('0,1,3'), '' for none.

/** The numbers of `text`, each at least `min`; the error names the flag and the bad entry. */
export function numberList(flag: string, text: string, bounds: { min?: number; positive?: boolean } = { min: 0 }): number[] {
  if (text.trim() === '') return [];
  const wanted = bounds.positive ? 'positive numbers' : bounds.min === 0 ? 'non-negative numbers' : `numbers >= ${bounds.min}`;
  return text.split(',').map((s) => {
    const v = Number(s.trim());
    const ok = s.trim() !== '' && Number.isFinite(v) && (bounds.positive ? v > 0 : v >= (bounds.min ?? -Infinity));
    if (!ok) throw new Error(`${flag}: expected comma-separated ${wanted}, but got '${s.trim()}' in '${text}'`);
    return v;
  });
}
