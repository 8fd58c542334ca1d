const brl = new Intl.NumberFormat('pt-BR', { style: 'currency', currency: 'BRL' });
const num = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 2 });

/** "R$ 1.234,56" (a plain space, not Intl's no-break space, so replies read the same everywhere). */
export function formatBrl(value: number): string {
  return brl.format(value).replace(/\s/g, ' ');
}

/** "1.234" / "5,25". */
export function formatNumber(value: number): string {
  return num.format(value);
}
