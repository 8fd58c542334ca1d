import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface SquadParagraph {
  id: string;
  article: string;
  context: string;
}
export interface SquadQuestion {
  id: string;
  question: string;
  answers: string[];
  paragraphId: string;
}

/** test/fixtures/datasets/squad-pt/dev.json under the project root (or SQUAD_PT_PATH). */
export function squadPath(): string {
  return process.env.SQUAD_PT_PATH ?? resolve(__dirname, '..', '..', 'test', 'fixtures', 'datasets', 'squad-pt', 'dev.json');
}

export function loadSquad(path = squadPath()): { paragraphs: SquadParagraph[]; questions: SquadQuestion[] } {
  const data = JSON.parse(readFileSync(path, 'utf8')) as {
    data: { title: string; paragraphs: { context: string; qas: { id: string; question: string; answers: { text: string }[] }[] }[] }[];
  };
  const paragraphs: SquadParagraph[] = [];
  const questions: SquadQuestion[] = [];
  for (const article of data.data) {
    article.paragraphs.forEach((p, i) => {
      const id = `${article.title}#${i}`;
      paragraphs.push({ id, article: article.title, context: p.context });
      for (const qa of p.qas) questions.push({ id: qa.id, question: qa.question, answers: qa.answers.map((a) => a.text), paragraphId: id });
    });
  }
  return { paragraphs, questions };
}

export interface RecallReport {
  mode: string;
  questions: number;
  r1: number;
  r5: number;
  r10: number;
  mrr10: number;
}

/** Recall@k and MRR@10 given, per question, the ranked paragraph ids returned. */
export function recallReport(mode: string, ranked: Array<{ gold: string; got: string[] }>): RecallReport {
  let r1 = 0, r5 = 0, r10 = 0, mrr = 0;
  for (const { gold, got } of ranked) {
    const rank = got.slice(0, 10).indexOf(gold) + 1;
    if (rank === 1) r1++;
    if (rank >= 1 && rank <= 5) r5++;
    if (rank >= 1) {
      r10++;
      mrr += 1 / rank;
    }
  }
  const n = ranked.length || 1;
  const f = (x: number) => Math.round((x / n) * 1000) / 1000;
  return { mode, questions: ranked.length, r1: f(r1), r5: f(r5), r10: f(r10), mrr10: f(mrr) };
}
