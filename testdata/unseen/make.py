#!/usr/bin/env python3
"""Small exports in the shapes of public complaint data that no earlier
fixture had (made by this project, no row copied from anywhere), for
tests/unseen.rs. Run from anywhere with plain Python 3: python3 make.py.
It writes the files beside itself and expected.json: the counts the tests
expect, computed here by plain Python, independently of the tool.

1. regulator/  complaints already counted per month and airport
               (pdf_report_date, airport, year_month, count; many 0s), and
               passengers per month and airport.
2. consumer/   a Latin-1, `;`-separated, bzip2-compressed file of counted
               complaints per year, month (two columns), brand and subject
               (Ano;Mes;Marca;Assunto;Problema;SOLICITAÇÕES), and access
               volumes per ano, mes and empresa (the brand, named otherwise).
3. invoices/   invoice lines (InvoiceNo, 6 digits, cancellations C…;
               InvoiceDate), and support tickets naming the customer.
4. tweets/     tweets to airlines whose ids passed through a spreadsheet
               (5.70306E+17) and whose time is `tweet_created`.
5. bank/       a call log whose anonymous callers are customer 0, dates as
               yymmdd (990201) and the time of day in another column, and
               transactions dated the same way.
"""

import bz2
import csv
import datetime as dt
import io
import json
import os
import random

rng = random.Random(23)
HERE = os.path.dirname(os.path.abspath(__file__))
expected = {}


def path(*parts):
    p = os.path.join(HERE, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def csv_text(header, rows, delimiter=","):
    buffer = io.StringIO()
    w = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buffer.getvalue()


def write(parts, header, rows, delimiter=","):
    with open(path(*parts), "w", encoding="utf-8", newline="") as f:
        f.write(csv_text(header, rows, delimiter))


months = [(2023, m) for m in range(1, 13)] + [(2024, m) for m in range(1, 7)]

# 1. Regulator: counted complaints per month and airport.
airports = ["ARN", "GOT", "MMX", "LLA"]
complaints, passengers = [], []
per_airport = {a: 0 for a in airports}
for year, month in months:
    for airport in airports:
        volume = rng.randrange(20_000, 90_000)
        count = 0 if rng.random() < 0.3 else rng.randrange(1, 60)
        report_date = dt.date(year, month, 1) + dt.timedelta(days=40)
        complaints.append([report_date.isoformat(), airport, f"{year}-{month:02d}", count])
        passengers.append([f"{year}-{month:02d}", airport, volume])
        per_airport[airport] += count
write(["regulator", "airport_complaints.csv"], ["pdf_report_date", "airport", "year_month", "count"], complaints)
write(["regulator", "passengers.csv"], ["year_month", "airport", "passengers"], passengers)
expected["regulator"] = {
    "rows": len(complaints),
    "complaints": sum(per_airport.values()),
    "per_airport": per_airport,
    "deliveries": sum(p[2] for p in passengers),
}

# 2. Consumer regulator: counted, Latin-1, `;`, .bz2, year and month apart;
#    volumes per ano, mes and empresa.
brands = ["Operadora Sul", "Telefônica Norte", "Conexão Já"]
subjects = ["Cobrança", "Qualidade", "Atendimento"]
rows, volumes = [], []
per_brand = {b: 0 for b in brands}
per_month = {}
for year, month in months[:12]:
    for brand in brands:
        volumes.append([year, month, brand, rng.randrange(100_000, 400_000)])
        for subject in subjects:
            n = rng.randrange(0, 400)
            rows.append([year, month, brand, subject, f"Problema de {subject.lower()}", n])
            per_brand[brand] += n
            per_month[f"{year}-{month:02d}"] = per_month.get(f"{year}-{month:02d}", 0) + n
text = csv_text(["Ano", "Mes", "Marca", "Assunto", "Problema", "SOLICITAÇÕES"], rows, ";").replace("\n", "\r\n")
with open(path("consumer", "reclamacoes.csv.bz2"), "wb") as f:
    f.write(bz2.compress(text.encode("latin-1")))
write(["consumer", "acessos.csv"], ["ano", "mes", "empresa", "acessos"], volumes)
expected["consumer"] = {
    "rows": len(rows),
    "complaints": sum(per_brand.values()),
    "per_brand": per_brand,
    "per_month": per_month,
    "deliveries": sum(v[3] for v in volumes),
}

# 3. Invoice lines (one row per line; an invoice has several) and tickets.
lines, tickets = [], []
invoice = 536365
start = dt.datetime(2010, 12, 1, 8, 26)
invoices, cancelled, lines_total = 0, 0, 0
for day in range(60):
    for _ in range(rng.randrange(3, 8)):
        invoice += 1
        cancel = rng.random() < 0.08
        number = f"C{invoice}" if cancel else str(invoice)
        when = start + dt.timedelta(days=day, minutes=rng.randrange(0, 600))
        customer = str(rng.randrange(12346, 12400))
        for _ in range(rng.randrange(1, 5)):
            lines.append([number, f"8{rng.randrange(1000, 9999)}", "WHITE METAL LANTERN", rng.randrange(1, 12),
                          when.strftime("%Y-%m-%d %H:%M:%S"), f"{rng.randrange(50, 900) / 100:.2f}", customer,
                          "United Kingdom"])
            lines_total += 1
        invoices += 1
        cancelled += cancel
        if rng.random() < 0.1:
            opened = when + dt.timedelta(days=rng.randrange(1, 4))
            tickets.append([f"TK{len(tickets) + 1:04d}", opened.strftime("%Y-%m-%d %H:%M:%S"), customer, "email"])
write(["invoices", "lines.csv"],
      ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"],
      lines)
write(["invoices", "tickets.csv"], ["ticket", "opened", "CustomerID", "channel"], tickets)
expected["invoices"] = {"lines": lines_total, "invoices": invoices, "cancelled": cancelled,
                        "tickets": len(tickets)}

# 4. Tweets to airlines: ids rounded by a spreadsheet; `tweet_created`.
tweets = []
for i in range(120):
    created = dt.datetime(2015, 2, 17, 6, 0) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 8))
    tweet_id = 570306133677760513 - rng.randrange(0, 10**13)
    mantissa = f"{tweet_id / 1e17:.5f}".rstrip("0")
    tweets.append([f"{mantissa}E+17", rng.choice(["negative", "neutral", "positive"]),
                   rng.choice(["Virgin America", "United", "Delta"]), f"user{rng.randrange(1, 60)}",
                   created.strftime("%Y-%m-%d %H:%M:%S -0800")])
write(["tweets", "tweets.csv"], ["tweet_id", "airline_sentiment", "airline", "name", "tweet_created"], tweets)
flights = [[(dt.date(2015, 2, 17) + dt.timedelta(days=d)).isoformat(), rng.randrange(5000, 7000)]
           for d in range(8)]
write(["tweets", "flights.csv"], ["date", "flights"], flights)
expected["tweets"] = {"rows": len(tweets), "distinct_rounded_ids": len({t[0] for t in tweets})}

# 5. A bank's call log: anonymous callers are customer 0; yymmdd dates, the
#    time of day in vru_entry; transactions dated the same way.
calls, transactions = [], []
anonymous = 0
for i in range(400):
    day = dt.date(1999, 2, 1) + dt.timedelta(days=rng.randrange(0, 28))
    entry = dt.time(rng.randrange(7, 23), rng.randrange(60), rng.randrange(60))
    customer = "0" if rng.random() < 0.45 else str(rng.randrange(10_000, 10_300))
    anonymous += customer == "0"
    calls.append([f"AA{rng.randrange(1, 7):04d}", 33116 + i, customer, rng.randrange(0, 3),
                  rng.choice(["PS", "NW", "IN"]), day.strftime("%y%m%d"), entry.strftime("%H:%M:%S")])
for i in range(6000):
    day = dt.date(1999, 2, 1) + dt.timedelta(days=rng.randrange(0, 28))
    entry = dt.time(rng.randrange(7, 23), rng.randrange(60), rng.randrange(60))
    transactions.append([day.strftime("%y%m%d"), entry.strftime("%H:%M:%S"), f"T{i:05d}"])
write(["bank", "calls.csv"], ["vru_line", "call_id", "customer_id", "priority", "type", "date", "vru_entry"], calls)
write(["bank", "transactions.csv"], ["date", "vru_entry", "transaction"], transactions)
expected["bank"] = {"calls": len(calls), "anonymous": anonymous, "transactions": len(transactions)}

with open(path("expected.json"), "w") as f:
    json.dump(expected, f, indent=2, sort_keys=True)
    f.write("\n")
print(json.dumps(expected, indent=2, sort_keys=True))
