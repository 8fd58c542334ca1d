import { mulberry32 } from '../../../shared/random';
import type { Sale } from './sales';


/** A small B2B electronics distributor: products with list prices in BRL. */
const PRODUCTS: Array<[string, string, number]> = [
  ['Notebook Pro 14', 'Informática', 7899.0],
  ['Notebook Air 13', 'Informática', 5499.0],
  ['Desktop Office i5', 'Informática', 3999.0],
  ['Monitor 27" 4K', 'Monitores', 2299.0],
  ['Monitor 24" Full HD', 'Monitores', 899.0],
  ['Teclado mecânico', 'Acessórios', 449.0],
  ['Mouse sem fio', 'Acessórios', 129.9],
  ['Headset com microfone', 'Acessórios', 349.0],
  ['Webcam Full HD', 'Acessórios', 299.0],
  ['Impressora multifuncional', 'Impressão', 1499.0],
  ['Toner preto', 'Impressão', 289.0],
  ['Roteador Wi-Fi 6', 'Redes', 699.0],
  ['Switch 24 portas', 'Redes', 1899.0],
  ['Nobreak 1500VA', 'Energia', 1299.0],
  ['SSD 1 TB', 'Componentes', 499.0],
  ['Memória 16 GB', 'Componentes', 329.0],
  ['Licença Office 365 (anual)', 'Software', 599.0],
  ['Antivírus corporativo (anual)', 'Software', 149.0],
];
const REPS: Array<[string, string]> = [
  ['Ana Souza', 'Sudeste'],
  ['Bruno Lima', 'Sudeste'],
  ['Carla Mendes', 'Sul'],
  ['Diego Rocha', 'Sul'],
  ['Elaine Costa', 'Nordeste'],
  ['Fábio Alves', 'Nordeste'],
  ['Gabriela Nunes', 'Centro-Oeste'],
  ['Henrique Dias', 'Norte'],
];
const CHANNELS: Array<[string, number]> = [
  ['Vendas diretas', 0.4],
  ['E-commerce', 0.3],
  ['Revendas', 0.2],
  ['Televendas', 0.1],
];

/**
 * A realistic, reproducible sales history: `months` whole months back from `now`'s month, through `now`'s
 * date; 20-60 orders per working day (fewer at weekends), seasonality (stronger in November and December,
 * weaker in January), popular products sold more, larger quantities for cheap items, a discount of 0-12%.
 */
export function generateSales(now: Date, months: number, seed: number): Sale[] {
  const rnd = mulberry32(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(rnd() * items.length)];
  const out: Sale[] = [];
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const popularity = PRODUCTS.map((_, i) => 1 / (1 + i * 0.25));
  const popTotal = popularity.reduce((a, b) => a + b, 0);
  const product = () => {
    let r = rnd() * popTotal;
    for (let i = 0; i < PRODUCTS.length; i++) if ((r -= popularity[i]) <= 0) return PRODUCTS[i];
    return PRODUCTS[PRODUCTS.length - 1];
  };
  const channel = () => {
    let r = rnd();
    for (const [name, share] of CHANNELS) if ((r -= share) <= 0) return name;
    return CHANNELS[0][0];
  };
  for (let d = start; d <= end; d = new Date(d.getTime() + 86400000)) {
    const weekday = d.getUTCDay();
    const month = d.getUTCMonth();
    const season = month === 10 || month === 11 ? 1.4 : month === 0 ? 0.7 : 1;
    const base = weekday === 0 || weekday === 6 ? 6 : 20 + Math.floor(rnd() * 40);
    const orders = Math.round(base * season);
    for (let i = 0; i < orders; i++) {
      const [name, category, price] = product();
      const [rep, region] = pick(REPS);
      const quantity = price < 500 ? 1 + Math.floor(rnd() * 20) : 1 + Math.floor(rnd() * 4);
      const discount = Math.floor(rnd() * 13) / 100;
      out.push({
        soldAt: d.toISOString().slice(0, 10),
        product: name,
        category,
        rep,
        region,
        channel: channel(),
        quantity,
        unitPrice: Math.round(price * (1 - discount) * 100) / 100,
      });
    }
  }
  return out;
}
