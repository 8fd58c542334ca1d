import { fold, sameWord } from './lexical';

/**
 * Words Brazilian Portuguese speakers use for the same thing when they ask and when documents state it
 * ("peço férias" / "solicitações de férias", "meu avô faleceu" / "luto — avós", "quanto custa" / "preço").
 * General everyday and workplace vocabulary, not any one document set's: a group is added only when its
 * words are interchangeable in a question about most documents. Matched by inflection (`sameWord`), not
 * by the truncated stems or the looser word families, so "funcionário" never reaches "funcionamento" nor
 * "empregado" "empresa".
 */
const GROUPS = `
pedir pedi pede pedem pedido peço peça solicitar solicitação solicito requisitar requisição requerer requerimento
casar casamento casei matrimônio núpcias gala
falecer faleceu falecimento morrer morreu morte óbito luto nojo
avô avó avós
neto neta netos
sogro sogra sogros
marido esposa cônjuge companheiro companheira
resetar redefinir recuperar
custar custo preço valor
funcionário funcionária funcionários empregado colaborador colaboradora
demorar demora leva durar duração
programa software aplicativo app
sistema plataforma ferramenta módulo
conectar conexão acessar acesso logar entrar
email e-mail correio
reportar comunicar avisar notificar relatar
ganhar ganho receber recebo
salário remuneração
chefe gestor gestora superior líder
viajar viagem deslocamento
reembolso reembolsar ressarcimento ressarcir
notebook laptop computador
cafeteira café
quebrar quebrou estragar estragou pifar pifou
começar começa iniciar início
terminar concluir conclusão encerrar finalizar
folga descanso dispensa
afastamento afastado afastar licença ausência ausentar
doente doença enfermidade
contratar contratado contratação admissão admitido
demitir demissão desligar desligamento
mandar enviar envio
usar utilizar uso utilização
ajuda suporte apoio
erro falha problema
reunião encontro
menor mínimo
maior máximo
dividir divisão fracionar parcelar
trocar troca substituir substituição
comprar compra adquirir aquisição
pagar pagamento pago
devolver devolução
cancelar cancelamento
imprimir impressão impressora
prédio edifício condomínio
reter retido retida retenção
obter obtido obtenção
resultado laudo
`;

const groups = GROUPS.split('\n')
  .map((line) => line.split(/\s+/).filter(Boolean).map((w) => fold(w).replace(/[^\p{L}\p{N}]+/gu, '')))
  .filter((g) => g.length > 1);

/** The words (folded) that mean the same as `word` (folded): those of every group holding an inflection of it. */
export function synonymsOf(word: string): readonly string[] {
  const out = new Set<string>();
  for (const g of groups) {
    if (!g.some((w) => sameWord(w, word))) continue;
    for (const other of g) if (!sameWord(other, word)) out.add(other);
  }
  return [...out];
}

/** Whether `candidate` (folded) is an inflection of one of `synonyms`. */
export function isSynonym(synonyms: readonly string[], candidate: string): boolean {
  return synonyms.some((s) => sameWord(s, candidate));
}
