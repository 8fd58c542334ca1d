import { cnpj, cpf } from 'cpf-cnpj-validator';

/**
 * Check digits of Brazilian identifiers (from cpf-cnpj-validator, which also knows the alphanumeric CNPJ
 * the Receita Federal issues from July 2026) and of card numbers. Callers strip the punctuation first.
 */

/** CPF: 11 digits, two mod-11 check digits; a run of one repeated digit (111.111.111-11) is not a CPF. */
export function isValidCpf(digits: string): boolean {
  return /^\d{11}$/.test(digits) && cpf.isValid(digits);
}

/** CNPJ: 14 characters, the first 12 digits or (alphanumeric CNPJ) upper-case letters, then two check digits. */
export function isValidCnpj(value: string): boolean {
  const v = value.toUpperCase();
  return /^[0-9A-Z]{12}\d{2}$/.test(v) && cnpj.isValid(v);
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
