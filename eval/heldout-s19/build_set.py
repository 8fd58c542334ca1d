# Gera questions.jsonl e confere que cada resposta esperada aparece literalmente no seu documento.
# Uso (nesta pasta): python3 build_set.py
import json, re, unicodedata, html
F='contrato-academia-fortefit.md'; C='faq-cartao-valesul.html'; B='regulamento-biblioteca-uepc.txt'
W='manual-membro-casa-trampo.md'; H='informacoes-hospede-miradouro.txt'; V='tabela-precos-patas-e-cia.csv'
E='programacao-semana-inovacao-agro.html'; S='sinistro-auto-protege.md'; D='politica-despesas-lusotec.txt'
A_='changelog-api-quitanda.md'
A=[
(F,"quanto ta a mensalidade do plano anual black?","R$ 99,90"),
(F,"a acadmia abre domingo? que horas","8h às 13h"),
(F,"posso trancar o plano mensal livre?","não tem trancamento"),
(F,"qual a multa pra cancelar o semestral antes de acabar a fidelidade","10% sobre as mensalidades restantes"),
(F,"da pra cancelar a forte fit pelo whats?","não é aceito por WhatsApp"),
(F,"meu filho tem 15 anos, ele pode treinar ai?","autorização assinada pelo responsável"),
(C,"quanto custa a anuidade do cartao platinum","12 parcelas de R$ 38,00"),
(C,"como faço pra nao pagar a anuidade do cartão?","R$ 3.000,00 ou mais"),
(C,"perdi meu cartão, qual numero eu ligo?","0800 771 4400"),
(C,"qual o IOF das compras no exterior","3,38%"),
(C,"tenho quanto tempo pra contestar uma compra que eu nao fiz","90 dias"),
(C,"ate quanto posso pagar por aproximação sem senha?","R$ 200,00"),
(B,"quantos livros aluno de graduacao pode pegar emprestado","5 itens"),
(B,"qual o prazo de devolução pra quem é da pós-graduação?","21 dias"),
(B,"quantas vezes da pra renovar o livro","até 3 vezes"),
(B,"qto é a multa por atraso na biblioteca","R$ 1,50 por dia e por item"),
(B,"a biblioteca central abre no sabado?","das 8h às 13h"),
(B,"perdi um livro da biblioteca, e agora?","repor um exemplar da mesma obra"),
(W,"qual a rede wifi pra visitante no coworking","CasaTrampo-Visitas"),
(W,"quantos créditos de sala de reunião eu tenho por mes?","8 créditos por mês"),
(W,"quanto custa imprimir colorido?","R$ 2,00 por página"),
(W,"posso levar meu cachorro pro coworking?","às sextas-feiras"),
(W,"qual o horário do plano flex","das 8h às 20h"),
(W,"quem cuida da comunidade na casa trampo","Juliana Schmitt Farias"),
(H,"A que horas é o check-in?","a partir das 15h00"),
(H,"quanto custa o pequeno-almoço para quem não o tem incluído na tarifa","16 € por pessoa"),
(H,"qual é o valor da taxa turistica no porto","3 € por pessoa e por noite"),
(H,"o hotel tem estacionamento?","Parque da Alfândega"),
(H,"posso levar o meu cão para o hotel?","cães até 10 kg"),
(H,"quanto custa o transfere do aeroporto","35 € por viagem"),
(V,"quanto custa uma consulta normal na patas e cia","R$ 150,00"),
(V,"preço da vacina v10","R$ 95,00"),
(V,"a vacina antirrabica é de graça?","gratuita na campanha municipal de agosto"),
(V,"precisa de jejum pro ultrassom do meu gato?","jejum de 8 horas"),
(V,"qual o horario de visita do bichinho internado","das 14h às 16h"),
(V,"quanto fica pra colocar microchip no cachorro","R$ 90,00"),
(E,"quando vai ser a semana de inovação do agro?","9 a 11 de março de 2027"),
(E,"quanto custa o passaporte completo se eu comprar em janeiro","R$ 390,00"),
(E,"quem faz a palestra de encerramento?","Eduardo Lins Cavalcanti"),
(E,"em que sala é o painel de credito rural","Sala Peroba"),
(E,"estudante paga meia na semana do agro?","meia-entrada"),
(E,"o jantar de networking ta incluso no ingresso?","ingresso à parte"),
(S,"bati o carro, qual o prazo pra avisar o seguro","em até 7 dias corridos"),
(S,"qual o valor da franquia do protege auto completo","R$ 3.200,00"),
(S,"o guincho do seguro vai até quantos km","400 km"),
(S,"quantos dias de carro reserva se roubarem meu carro?","30 dias"),
(S,"em caso de roubo preciso entregar as chaves do carro?","as duas chaves do veículo"),
(S,"sinistro so de vidro tira bonus?","não tiram bônus"),
(D,"Quanto pagam por km com carro próprio?","0,40 € por quilómetro"),
(D,"até quando tenho de submeter as despesas do mês?","até ao dia 5 do mês seguinte"),
(D,"qual o limite para o almoço em deslocação","12,50 €"),
(D,"qual é o NIF da empresa para pôr na fatura?","509 318 774"),
(D,"quem aprova despesas acima de 500 euros","Rui Vaz Tavares"),
(D,"posso apanhar um uber e pedir o reembolso?","até 30 € por viagem"),
(A_,"qual o limite de requisicoes por minuto da api da quitanda","600 requisições por minuto"),
(A_,"ate quando o X-Api-Token vai funcionar?","31 de março de 2027"),
(A_,"quantas vezes o webhook é reenviado se der erro","8 vezes"),
(A_,"quantos recebedores posso colocar no split de pagamento","5 recebedores"),
(A_,"tem sdk pra python?","pip install quitanda"),
(A_,"qual a url do sandbox","https://sandbox.quitanda.com.br/v2"),
]
# fora do tema, mas com nomes e palavras dos documentos: o fato pedido não está em nenhum deles
OFF_SHARED=[
"qual o telefone da unidade da ForteFit no Barreiro?",
"qual a taxa de juros do empréstimo pessoal no Banco Vale Sul?",
"a biblioteca da UEPC empresta notebook pros alunos?",
"quanto custa o plano Fixo da Casa Trampo por mês?",
"o Hotel Miradouro da Ribeira tem serviço de lavandaria?",
"a Patas & Cia faz banho e tosa? quanto custa?",
"quem fez a palestra de encerramento da Semana de Inovação do Agro de 2026?",
"quanto custa o seguro residencial da Protege?",
"qual o valor do subsídio de alimentação na Lusotec?",
"quanto a Quitanda cobra por boleto emitido?",
]
OFF_PURE=[
"qual o maior rio do mundo?","como faço pra declarar imposto de renda de MEI","quem pintou a Mona Lisa",
"me conta uma piada","qual a receita de brigadeiro?","quantos habitantes tem São Paulo",
"como desentupir a pia da cozinha","que horas são em Tóquio agora?","qual foi o placar do jogo do Flamengo ontem",
"como se diz obrigado em japonês","qual é a fórmula da água","vale a pena comprar bitcoin?",
"quem foi o primeiro presidente do Brasil","como aumentar a memória RAM do computador","qual a altura do monte everest",
]
assert len(A)==60 and len(OFF_SHARED)==10 and len(OFF_PURE)==15
assert len({q for _,q,_ in A}|set(OFF_SHARED)|set(OFF_PURE))==85
def norm(t): return re.sub(r'\s+',' ',unicodedata.normalize('NFC',t)).lower()
def text(f):
    t=open('docs/'+f,encoding='utf8').read()
    if f.endswith('.html'): t=html.unescape(re.sub(r'<[^>]+>',' ',t))
    return norm(t.replace('**',''))
for d,q,a in A:
    assert norm(a) in text(d), (d,a)
with open('questions.jsonl','w',encoding='utf8') as o:
    for d,q,a in A: o.write(json.dumps({"question":q,"answer":a,"document":d,"type":"answerable"},ensure_ascii=False)+'\n')
    for q in OFF_SHARED: o.write(json.dumps({"question":q,"type":"off_topic","shares_words":True},ensure_ascii=False)+'\n')
    for q in OFF_PURE: o.write(json.dumps({"question":q,"type":"off_topic"},ensure_ascii=False)+'\n')
print('ok')
