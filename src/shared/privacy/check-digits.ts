/**
 * Check digits of Brazilian identifiers and card numbers. Plain functions over the characters of a candidate:
 * callers strip the punctuation first.
 *
 * Written here rather than taken from a package (cpf-cnpj-validator, @brazilian-utils): the algorithms are a
 * few lines each, and the alphanumeric CNPJ (Receita Federal, IN 2.229/2024, issued from July 2026) is not
 * covered by those packages' released versions; see ARCHITECTURE.md, deviations.
 */

/** CPF: 11 digits, two mod-11 check digits; a run of one repeated digit (111.111.111-11) is not a CPF. */
export function isValidCpf(digits: string): boolean {
  if (!/^\d{11}$/.test(digits) || /^(\d)\1{10}$/.test(digits)) return false;
  const d = [...digits].map(Number);
  const check = (len: number) => {
    let sum = 0;
    for (let i = 0; i < len; i++) sum += d[i] * (len + 1 - i);
    const r = (sum * 10) % 11;
    return r === 10 ? 0 : r;
  };
  return check(9) === d[9] && check(10) === d[10];
}

/**
 * CNPJ: 14 characters, two mod-11 check digits with weights 2..9 from the right. The first 12 may be letters
 * (the alphanumeric CNPJ): each character counts as its char code minus 48, so digits keep their value.
 */
export function isValidCnpj(value: string): boolean {
  const v = value.toUpperCase();
  if (!/^[0-9A-Z]{12}\d{2}$/.test(v) || /^(\d)\1{13}$/.test(v)) return false;
  const vals = [...v].map((c) => c.charCodeAt(0) - 48);
  const check = (len: number) => {
    let sum = 0;
    for (let i = 0; i < len; i++) sum += vals[i] * (((len - 1 - i) % 8) + 2);
    const r = sum % 11;
    return r < 2 ? 0 : 11 - r;
  };
  return check(12) === vals[12] && check(13) === vals[13];
}

/** Luhn (mod 10) over 13 to 19 digits, as card numbers (ISO/IEC 7812) carry it. */
export function isValidLuhn(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits) || /^0+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let n = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  }
  return sum % 10 === 0;
}
