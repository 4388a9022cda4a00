import json, hashlib, base64, zlib, struct
members = json.load(open('assets/demo/accreditation-adopted.json'))['members']
roster = [{k: m[k] for k in ('name','iin','role','body','position')} for m in members]
def ev(name, data):
    return {"sha256": hashlib.sha256(data).hexdigest(), "name": name}
sec_srv = {"kk": "Серверлік үй-жай", "ru": "Серверное помещение"}
sec_pki = {"kk": "Криптографиялық қорғау және сертификаттар тізбегі", "ru": "Криптографическая защита и цепочка сертификатов"}
items = [
 {"id":"onsite.chain","section":sec_pki,"ref":"224/НҚ §12(2)","requirement":{"kk":"ҚР Түбірлік куәландырушы орталығының тіркеу куәлігінен пайдаланушы куәлігіне дейін тізбектің дұрыс құрылуы","ru":"Корректное построение цепочки от регистрационного свидетельства Корневого удостоверяющего центра РК до свидетельства пользователя"},"kind":"pki","verdict":"complies","note":"Тізбек ОО-ның өз құралдарымен құрылды: түбірлік — аралық — пайдаланушы; қолтаңбалар жарамды. Әріптер: ә ғ қ ң ө ұ ү һ і.","evidence":[ev("chain-check.txt", b"chain ok")]},
 {"id":"onsite.oids","section":sec_pki,"ref":"224/НҚ §12(3)","requirement":{"kk":"Куәлікте уәкілетті орган тіркеген объект сәйкестендіргіштерінің (OID) болуы","ru":"Наличие в свидетельствах зарегистрированных объектных идентификаторов (OID)"},"kind":"check","verdict":"fails","note":"Екі куәлікте 1.2.398.3.3.4.1.1 OID жоқ.","evidence":[ev("user-cert-1.cer", b"c1"), ev("user-cert-2.cer", b"c2")]},
 {"id":"onsite.crl","section":sec_pki,"ref":"224/НҚ §12(13)","requirement":{"kk":"Кері қайтарылған куәліктер тізімінің (CRL) қолжетімділігі","ru":"Доступность списка отозванных свидетельств (CRL)"},"kind":"check","verdict":"complies","note":"CRL http://crl.example.kz/ca.crl мекенжайы бойынша қолжетімді, nextUpdate 2026-11-21."},
 {"id":"onsite.inventory","section":sec_srv,"ref":"224/НҚ §12(12)","requirement":{"kk":"Негізгі және резервтік физикалық серверлер мен АБК-ның болуы","ru":"Наличие основного и резервного физических серверов и АПК"},"kind":"inventory","verdict":"fails","inventory":[
   {"kind":"server","role":"main","declared":{"manufacturer":"Dell","model":"PowerEdge R750","serial":"7XK2M93","location":"Астана, Мәңгілік Ел 55, 3-қабат, 301"},"found":{"manufacturer":"Dell","model":"PowerEdge R750","serial":"7XK2M93","location":"Астана, Мәңгілік Ел 55, 3-қабат, 301"}},
   {"kind":"server","role":"backup","declared":{"manufacturer":"HPE","model":"ProLiant DL380 Gen10","serial":"CZJ0451ABC","location":"Алматы, Абай 10"},"found":{"manufacturer":"HPE","model":"ProLiant DL380 Gen10","serial":"CZJ0451ABD","location":"Алматы, Абай 10"}},
   {"kind":"hsm","role":"main","declared":{"manufacturer":"Thales","model":"Luna 7","serial":"583920","location":"Астана, 301"},"found":{"manufacturer":"Thales","model":"Luna 7","serial":"583920","location":"Астана, 301"}},
   {"kind":"hsm","role":"backup","declared":{"manufacturer":"Thales","model":"Luna 7","serial":"583921","location":"Алматы, Абай 10"},"found":None}],
   "note":"Резервтік АБК көрсетілмеді."},
 {"id":"onsite.room.ceiling","section":sec_srv,"ref":"224/НҚ §12(15) ¶6","requirement":{"kk":"Төбенің биіктігі кемінде 2,44 м","ru":"Высота потолка не менее 2,44 м"},"kind":"measure","verdict":"complies","measurement":{"value":2.7,"unit":"м","rule":{"op":">=","value":2.44}},"evidence":[ev("ceiling.jpg", b"p1")]},
 {"id":"onsite.room.ground","section":sec_srv,"ref":"224/НҚ §12(15) ¶5","requirement":{"kk":"Жабдық ғимараттың бас жерге тұйықтау шинасына кемінде 1,5 см өткізгішпен қосылған","ru":"Оборудование подключено к главной заземляющей шине здания проводником не менее 1,5 см"},"kind":"measure","verdict":"fails","measurement":{"value":1.2,"unit":"см","rule":{"op":">=","value":1.5}},"note":"Өткізгіш жіңішке."},
 {"id":"onsite.room.journal","section":sec_srv,"ref":"224/НҚ §12(15) ¶9","requirement":{"kk":"Серверлік үй-жайда жүргізілген жұмыстардың тігілген журналы","ru":"Прошитый журнал работ, проводимых в серверном помещении"},"kind":"check","verdict":"complies","note":"Журнал тігілген, нөмірленген, мөрмен бекітілген."},
]
evidence = []
for it in items:
    for e in it.get("evidence", []):
        evidence.append({"item": it["id"], "name": e["name"], "size": 1024, "sha256": e["sha256"]})
def png(w, h, seed):
    raw = b''.join(b'\x00' + bytes(v for x in range(w) for v in ((x*seed + y*3) % 256, (y*2) % 256, (x+y*seed) % 256)) for y in range(h))
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t+d) & 0xffffffff)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
photos = []
for i, cap in enumerate(["Серверлік үй-жай, жалпы көрініс", "Жерге тұйықтау шинасы", "Тігілген журнал"]):
    img = png(96, 72, i+2)
    photos.append({"sha256": hashlib.sha256(img).hexdigest(), "name": f"IMG_00{i+1}.png", "caption": cap, "taken_at": "2026-11-20 10:1%d" % i, "image": base64.b64encode(img).decode()})
data = {
 "inspection_id": "insp-2026-0142",
 "act_number": "КО-17/2026",
 "place": {"kk": "Астана қ.", "ru": "г. Астана"},
 "ca": {"name": "«Сенім Куәландырушы Орталығы» ЖШС", "bin": "200340012342", "legal_address": "Астана қ., Мәңгілік Ел даңғылы, 55"},
 "site": {"address": "Астана қ., Мәңгілік Ел даңғылы, 55, 3-қабат, 301-бөлме", "representatives": ["Б. Ахметов, техникалық директор", "С. Омарова, АҚ бөлімінің басшысы"]},
 "start": "2026-11-18", "end": "2026-11-20",
 "basis": {"checklist_id": "ca-accreditation-onsite", "checklist_version": "2026.1", "source_act": "224/НҚ", "source_name": {"kk": "Куәландырушы орталықтарды аккредиттеу туралы куәлікті беру және кері қайтарып алу қағидалары", "ru": "Правила выдачи и отзыва свидетельства об аккредитации удостоверяющих центров"}, "paragraphs": "§12", "wording": {"kk": "Қазақстан Республикасы Цифрлық даму, инновациялар және аэроғарыш өнеркәсібі министрінің 2022 жылғы бұйрығымен жазылған жаңа редакция (бұйрық алғаш ресми жарияланған күнінен кейін күнтізбелік он күн өткен соң қолданысқа енгізіледі)", "ru": "новая редакция, изложенная приказом Министра цифрового развития, инноваций и аэрокосмической промышленности Республики Казахстан 2022 года (приказ вводится в действие по истечении десяти календарных дней после дня его первого официального опубликования)"}, "commission_order": "№ 312/НҚ, 2026-11-12", "application": "№ KZ-2026-0087, 2026-11-09"},
 "roster": roster,
 "rule": "accreditation",
 "documentary_check": {"kk": "Құжаттық тексеру 2026 жылғы 16 қарашадағы хаттамамен аяқталды: 13 құжаттың 13-і ұсынылды.", "ru": "Документарная проверка завершена протоколом от 16 ноября 2026 г.: представлены 13 документов из 13."},
 "items": items,
 "photos": photos,
 "findings": [{"kk": "Пайдаланушы куәліктерінде тіркелген OID жоқ.", "ru": "В свидетельствах пользователей отсутствуют зарегистрированные OID."}, {"kk": "Резервтік АБК көрсетілмеді; резервтік сервердің сериялық нөмірі мәлімделгенге сәйкес келмейді.", "ru": "Резервный АПК не предъявлен; серийный номер резервного сервера не совпадает с заявленным."}],
 "conclusions": [{"kk": "Куәландырушы орталық 224/НҚ 12-тармағының талаптарына толық сәйкес келмейді.", "ru": "Удостоверяющий центр не в полной мере соответствует требованиям пункта 12 Правил 224/НҚ."}],
 "recommendations": [{"text": {"kk": "Куәліктерге тіркелген OID-ті енгізу.", "ru": "Включить зарегистрированные OID в свидетельства."}, "deadline": "2026-12-18"}, {"text": {"kk": "Жерге тұйықтау өткізгішін кемінде 1,5 см-ге ауыстыру.", "ru": "Заменить заземляющий проводник на проводник не менее 1,5 см."}}],
 "dissents": [{"iin": "870925400005", "reason": "Резервтік АБК болмауы аккредиттеуден бас тартуға негіз деп санаймын; акт бұл бұзушылықтың салдарын толық көрсетпейді."}],
 "audit_head": hashlib.sha256(b"audit head demo").hexdigest(),
 "evidence": evidence,
}
json.dump(data, open('assets/demo/act-data.json','w'), ensure_ascii=False, indent=2)
