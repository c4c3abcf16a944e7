/** "1 host", "3 hosts", "0 hosts": a count with its noun, for the human lines. */
export function counted(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
