import json, re, unicodedata, html
C='regimento-condominio.md'; M='guia-matricula-2027.html'; N='faq-notafacil.md'; V='orientacoes-pacientes.txt'
S='sla-transportes-rapidex.csv'; P='guia-servicos-prefeitura.html'; R='notas-versao-rotacerta.md'; Q='receita-pao-de-queijo.txt'; T='politica-trocas-casa-bela.txt'
A=[
(C,"que horas comeca o silencio no condominio durante a semana?","22h às 8h"),
(C,"quanto custa alugar o salão de festas?","R$ 180,00"),
(C,"posso fazer reforma no meu apê no domingo?","obras são proibidas"),
(C,"cachorro pode ir no elevador social?","elevador de serviço"),
(C,"quem é a sindica do predio","Márcia Albuquerque Teles"),
(C,"qual a velocidade maxima na garagem","10 km/h"),
(C,"minha filha tem 10 anos, ela pode ficar sozinha na piscina?","12 anos"),
(M,"quando começam as aulas em 2027?","2 de fevereiro de 2027"),
(M,"qual o valor da mensalidade do ensino medio","R$ 2.760,00"),
(M,"tem desconto pra irmão?","10% de desconto"),
(M,"onde compra o uniforme do colegio","Uniformes Serra"),
(M,"ate quando vai a rematricula","28 de novembro de 2026"),
(M,"se eu cancelar a matrícula antes das aulas começarem, quanto fica retido?","20%"),
(N,"quanto custa o plano profissional do notafacil","R$ 89,90"),
(N,"tem teste gratis?","14 dias de teste grátis"),
(N,"como faço pra cancelar minha assinatura","Configurações > Assinatura > Cancelar plano"),
(N,"preciso de certificado digital pra emitir nf-e?","modelo A1"),
(N,"a api ta disponivel em qual plano","plano Empresa"),
(N,"até que horas funciona o chat de suporte","8h às 20h"),
(V,"precisa de jejum pro teste ergometrico?","Não venha em jejum"),
(V,"quanto tempo dura o exame de cintilografia","até 5 horas"),
(V,"quanto custa a consulta particular com cardiologista","R$ 350,00"),
(V,"em quantos dias sai o resultado do ecocardiograma","3 dias úteis"),
(V,"quais convenios a clinica vivacor aceita","Unimed, Bradesco Saúde, SulAmérica, Amil e Hapvida"),
(V,"pode molhar o holter?","não é possível molhar o aparelho"),
(V,"onde fica a clinica vivacor","Rua Padre Carapuceiro, 733"),
(S,"qual o prazo de entrega pra curitiba","2 dias úteis"),
(S,"qual o horario de corte da coleta para o nordeste?","11h"),
(S,"quanto é a multa por atraso na região sul","5% do frete por dia"),
(S,"prazo da entrega expressa aerea","próximo dia útil até 12h"),
(S,"até quando vale o contrato com a rapidex","30 de junho de 2027"),
(P,"ate quando pago o iptu com desconto","10 de março de 2026"),
(P,"como eu peço poda de árvore na calçada?","Central 156"),
(P,"o cata treco recolhe entulho?","Não são recolhidos entulho de obra"),
(P,"quem é o ouvidor de serra clara","Rodrigo Tavares Bittencourt"),
(P,"tem posto de saude que vacina no sabado?","UBS Centro"),
(P,"em quantas vezes posso parcelar o IPTU","10 vezes"),
(R,"qual versao do android o rota certa precisa","Android 9"),
(R,"quantas paradas cabem numa rota agora","150 paradas"),
(R,"o app de rota funciona sem internet?","Modo offline completo"),
(R,"ainda da pra exportar em KML?","foi removida"),
(R,"quando as versões 3.x param de receber atualização de segurança","31 de janeiro de 2027"),
(Q,"qual a temperatura do forno pro pao de queijo","200 °C"),
(Q,"quanto tempo dura o pão de queijo congelado","90 dias"),
(Q,"quanto custa o quilo do pao de queijo","R$ 48,00"),
(Q,"quantos ovos vai na receita do pão de queijo","6 ovos"),
(T,"comprei no site e me arrependi, tenho quantos dias pra devolver?","7 dias corridos"),
(T,"da pra trocar almofada bordada com nome?","Itens personalizados"),
(T,"qual o telefone do sac da casa bela","0800 642 7070"),
(T,"em quanto tempo devolvem o dinheiro se paguei no pix","5 dias úteis"),
]
OFF_SHARED=[
"quanto custa o condomínio por mês no Jardim das Palmeiras?",
"qual a mensalidade da faculdade de medicina em Belo Horizonte?",
"o NotaFácil emite NFC-e, a nota fiscal de consumidor?",
"qual o prazo de entrega dos Correios para Manaus?",
"quanto custa uma ressonância magnética na clínica?",
"qual a receita do bolo de fubá da padaria?",
"quando sai a versão 5.0 do Rota Certa?",
"a prefeitura de Serra Clara faz castração gratuita de cachorro?",
]
OFF_PURE=[
"qual a capital da Austrália?","como faço pra trocar o pneu do carro?","quem ganhou a copa do mundo de 2002",
"vai chover amanhã?","me indica um filme de comédia","como calcular o imposto sobre aluguel recebido?",
"quantas calorias tem uma banana","qual a melhor operadora de celular pré-pago?","como faço backup do WhatsApp no iPhone",
"quanto está o dólar hoje","qual a distância da Terra até a Lua","quem escreveu Dom Casmurro",
]
assert len(A)==50 and len(OFF_SHARED)==8 and len(OFF_PURE)==12
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
