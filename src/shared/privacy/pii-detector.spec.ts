import { isValidCnpj, isValidCpf, isValidLuhn } from './check-digits';
import { maskLogValue } from './log-masking';
import { PiiDetector } from './pii-detector';
import { Pseudonymizer } from './pseudonymizer';

const detector = new PiiDetector();
const kinds = (text: string) => detector.find(text).map((m) => `${m.kind}:${m.value}`);

describe('check digits', () => {
  it('CPF: real numbers pass, a wrong check digit or a repeated digit does not', () => {
    expect(isValidCpf('52998224725')).toBe(true);
    expect(isValidCpf('11144477735')).toBe(true);
    expect(isValidCpf('52998224726')).toBe(false);
    expect(isValidCpf('11111111111')).toBe(false);
    expect(isValidCpf('5299822472')).toBe(false);
  });

  it('CNPJ: numeric and alphanumeric (2026) ones, near misses refused', () => {
    expect(isValidCnpj('11222333000181')).toBe(true);
    expect(isValidCnpj('12ABC34501DE35')).toBe(true);
    expect(isValidCnpj('11222333000182')).toBe(false);
    expect(isValidCnpj('00000000000000')).toBe(false);
  });

  it('Luhn: test card numbers pass, one changed digit fails', () => {
    expect(isValidLuhn('4111111111111111')).toBe(true);
    expect(isValidLuhn('5555555555554444')).toBe(true);
    expect(isValidLuhn('4111111111111112')).toBe(false);
  });
});

describe('PiiDetector', () => {
  it('finds CPF formatted or not, and not with a wrong check digit', () => {
    expect(kinds('CPF 529.982.247-25 e 11144477735')).toEqual(['CPF:529.982.247-25', 'CPF:11144477735']);
    expect(kinds('CPF 529.982.247-26 e 11144477736')).toEqual([]);
  });

  it('finds CNPJ formatted, bare and alphanumeric', () => {
    expect(kinds('ACME 11.222.333/0001-81, filial 11222333000181, nova 12.ABC.345/01DE-35')).toEqual([
      'CNPJ:11.222.333/0001-81',
      'CNPJ:11222333000181',
      'CNPJ:12.ABC.345/01DE-35',
    ]);
    expect(kinds('11.222.333/0001-82')).toEqual([]);
  });

  it('finds e-mail addresses', () => {
    expect(kinds('escreva para ana.souza+rh@empresa.com.br ou SUPORTE@Acme.io.')).toEqual([
      'EMAIL:ana.souza+rh@empresa.com.br',
      'EMAIL:SUPORTE@Acme.io',
    ]);
    expect(kinds('o arquivo config@v2 e user@localhost')).toEqual([]);
  });

  it.each([
    '+55 11 98765-4321',
    '+55 (11) 98765-4321',
    '+5511987654321',
    '(11) 98765-4321',
    '(11)98765-4321',
    '11 98765 4321',
    '11 98765-4321',
    '11987654321',
    '(21) 3456-7890',
    '21 3456-7890',
    '+55 21 3456 7890',
    '+1 415 555 2671',
    '+44 20 7946 0958',
  ])('finds the phone number %s', (phone) => {
    expect(kinds(`ligue ${phone} hoje`)).toEqual([`PHONE:${phone}`]);
  });

  it.each([
    'em 2024-01-15 às 10:30',
    'em 15/01/2024',
    'custou R$ 1.234.567,89',
    'custou 12345678,90 reais',
    'pedido 1234567890',
    'protocolo 2024 0115 1030',
    'versão 10.11.12',
    'CEP 01310-100',
    'das 08:00 às 18:00',
    'DDD inválido (01) 98765-4321',
  ])('does not take "%s" for personal data', (text) => {
    expect(kinds(text)).toEqual([]);
  });

  it('finds card numbers that pass Luhn, with or without separators', () => {
    expect(kinds('cartão 4111 1111 1111 1111 e 5555-5555-5555-4444 e 4111111111111111')).toEqual([
      'CARD:4111 1111 1111 1111',
      'CARD:5555-5555-5555-4444',
      'CARD:4111111111111111',
    ]);
    expect(kinds('cartão 4111 1111 1111 1112')).toEqual([]);
  });

  it('adds configured patterns under their own names', () => {
    const d = new PiiDetector([{ name: 'MATRICULA', regex: 'MAT-\\d{6}' }]);
    expect(d.mask('funcionário MAT-123456, CPF 52998224725')).toBe('funcionário [MATRICULA], CPF [CPF]');
  });

  it('masks log values deep, errors included, without touching class instances', () => {
    const err = new Error('falhou para ana@empresa.com');
    const masked = maskLogValue(detector, { user: { email: 'ana@empresa.com', docs: ['529.982.247-25'] }, err, when: new Date(0) }) as { user: unknown; err: Error; when: unknown };
    expect(masked.user).toEqual({ email: '[EMAIL]', docs: ['[CPF]'] });
    expect(masked.err).toBeInstanceOf(Error);
    expect(masked.err.message).toBe('falhou para [EMAIL]');
    expect(masked.err.stack).not.toContain('ana@empresa.com');
    expect(masked.when).toBeInstanceOf(Date);
  });
});

describe('Pseudonymizer', () => {
  it('numbers identifiers per kind, the same value the same placeholder, and restores them', () => {
    const p = new Pseudonymizer(detector);
    const masked = p.mask('CPF 529.982.247-25, e-mail Ana@Empresa.com, outro CPF 111.444.777-35, de novo 52998224725 e ana@empresa.com');
    expect(masked).toBe('CPF [CPF_1], e-mail [EMAIL_1], outro CPF [CPF_2], de novo [CPF_1] e [EMAIL_1]');
    expect(p.restore('O titular do [CPF_2] é [EMAIL_1]; [CPF_9] não existe')).toBe('O titular do 111.444.777-35 é Ana@Empresa.com; [CPF_9] não existe');
    expect(p.maskDeep({ query: 'cliente 52998224725', n: 3 })).toEqual({ query: 'cliente [CPF_1]', n: 3 });
  });

  it('restores a placeholder cut across streamed deltas', () => {
    const p = new Pseudonymizer(detector);
    p.mask('meu CPF é 529.982.247-25');
    const r = p.streamRestorer();
    const out = ['O CPF ', '[CP', 'F_', '1', '] está [ok', ']. Fim [', 'x'].map((d) => r.push(d)).join('') + r.flush();
    expect(out).toBe('O CPF 529.982.247-25 está [ok]. Fim [x');
  });
});
