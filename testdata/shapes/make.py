#!/usr/bin/env python3
"""Writes one logical pair of exports in every shape a user may have
(tests/inputs.rs checks that all give the same report). Run from this
directory with a Python that has openpyxl: python3 make.py"""

import csv
import datetime as dt
import gzip
import io

import openpyxl

COMPLAINTS = [  # ticket, created, customer, channel, order, region
    ("T1", "2024-01-02 09:00", "Jānis Bērziņš", "Web", "O1", "Rīga"),
    ("T2", "2024-01-04 10:00", "Jānis Bērziņš", "Phone", "O1", "Rīga"),
    ("T3", "2024-01-06 11:00", "Õnne Pärn", "email", "O3", "Tartu"),
    ("T4", "2024-01-09 12:00", "Jānis Bērziņš", "phone ", "O1", "Rīga"),
    ("T5", "2024-01-12 08:00", "Kęstutis Žukauskas", "web", "O8", "Tartu"),
    ("T6", "2024-01-22 10:00", "Kęstutis Žukauskas", "web", "O12", "Tartu"),
    ("T7", "2024-01-28 15:00", "", "web", "O13", "Tartu"),
]
DELIVERIES = [  # order, delivered, region
    ("O1", "2024-01-01 08:00", "Rīga"), ("O2", "2024-01-01 09:30", "Rīga"), ("O3", "2024-01-02 10:00", "Tartu"),
    ("O4", "2024-01-03 11:00", "Rīga"), ("O5", "2024-01-05 12:00", "Tartu"), ("O6", "2024-01-07 23:59", "Rīga"),
    ("O7", "2024-01-08 00:00", "Rīga"), ("O8", "2024-01-09 10:00", "Tartu"), ("O9", "2024-01-10 10:00", "Tartu"),
    ("O10", "2024-01-11 10:00", "Rīga"), ("O11", "2024-01-15 10:00", "Rīga"), ("O12", "2024-01-16 10:00", "Tartu"),
    ("O13", "2024-01-17 10:00", "Tartu"), ("O14", "2024-01-18 10:00", "Rīga"), ("O15", "2024-01-19 10:00", "Rīga"),
    ("O16", "2024-01-20 10:00", "Tartu"), ("O17", "2024-01-22 09:00", "Rīga"), ("O18", "2024-01-28 09:00", "Tartu"),
]
C_HEADER = ["ticket_id", "created_at", "customer_id", "channel", "order_id", "region"]
D_HEADER = ["order_id", "delivered_at", "region"]


def parse(t):
    return dt.datetime.strptime(t, "%Y-%m-%d %H:%M")


def text(rows, header, sep=",", fmt=lambda t: t, newline="\n"):
    out = io.StringIO()
    w = csv.writer(out, delimiter=sep, lineterminator=newline)
    w.writerow(header)
    for r in rows:
        w.writerow([fmt(v) if i == 1 else v for i, v in enumerate(r)])
    return out.getvalue()


def write(name, data, encoding="utf-8"):
    with open(name, "w", encoding=encoding, newline="") as f:
        f.write(data)


european = lambda t: parse(t).strftime("%d.%m.%Y %H:%M")
write("complaints.csv", text(COMPLAINTS, C_HEADER))
write("deliveries.csv", text(DELIVERIES, D_HEADER))
# ; + day-first dates + CRLF, and the deliveries as pre-aggregated weekly counts with a decimal-comma total.
write("complaints_eu.csv", text(COMPLAINTS, C_HEADER, ";", european, "\r\n"))
weekly = {}
for _, t, region in DELIVERIES:
    d = parse(t).date()
    iso = d.isocalendar()
    key = (f"{iso[0]}-W{iso[1]:02d}", region)
    weekly[key] = weekly.get(key, 0) + 1
write("deliveries_weekly.csv", "week;region;deliveries\r\n" + "".join(
    f"{w};{r};{n},00\r\n" for (w, r), n in sorted(weekly.items())))
# Windows-1257 (Baltic) with its own ; and day-first dates.
write("complaints_1257.csv", text(COMPLAINTS, C_HEADER, ";", european), encoding="cp1257")
write("deliveries_1257.csv", text(DELIVERIES, D_HEADER, ";", european), encoding="cp1257")
write("complaints_bom.csv", "\ufeff" + text(COMPLAINTS, C_HEADER))
with open("complaints_utf16.csv", "wb") as f:
    f.write(b"\xff\xfe" + text(COMPLAINTS, C_HEADER, "\t").encode("utf-16-le"))
with gzip.GzipFile("deliveries.csv.gz", "wb", mtime=0) as f:
    f.write(text(DELIVERIES, D_HEADER).encode())
# Two files of one input, found by a glob.
write("deliveries-part-1.csv", text(DELIVERIES[:9], D_HEADER))
write("deliveries-part-2.csv", text(DELIVERIES[9:], D_HEADER))
# Helpdesk-shaped headers.
write("complaints_zendesk.csv", text(COMPLAINTS, ["Ticket ID", "Created at", "Requester", "Via", "Order ID", "Region"]))
sf = [(t, parse(c).strftime("%m/%d/%Y %I:%M %p"), cu, ch, o, r) for t, c, cu, ch, o, r in COMPLAINTS]
write("complaints_salesforce.csv", text(sf, ["Case Number", "Date/Time Opened", "Account Name", "Case Origin", "Order ID", "Region"]))
# A workbook whose dates are real Excel date cells (serial numbers with a date format).
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Tickets"
ws.append(C_HEADER)
for t, c, cu, ch, o, r in COMPLAINTS:
    ws.append([t, parse(c), cu, ch, o, r])
    ws.cell(row=ws.max_row, column=2).number_format = "dd.mm.yyyy hh:mm"
wb.save("complaints.xlsx")
# NDJSON.
write("complaints.ndjson", "".join(
    '{"ticket_id": "%s", "created_at": "%sT%s:00Z", "customer_id": %s, "channel": "%s", "order_id": "%s", "region": "%s"}\n'
    % (t, c[:10], c[11:], ('"%s"' % cu) if cu else "null", ch, o, r) for t, c, cu, ch, o, r in COMPLAINTS))
# Dates that read both day-first and month-first (all days <= 12).
write("ambiguous.csv", "created_at,customer_id\n03/01/2024,A\n04/01/2024,B\n05/01/2024,A\n")
# Broken files.
write("ragged.csv", "ticket_id,created_at,customer_id\nT1,2024-01-02 09:00,A\nT2,2024-01-03 09:00,B,extra\nT3,2024-01-04 09:00,C\n")
write("unterminated_quote.csv", 'ticket_id,created_at,customer_id\nT1,2024-01-02 09:00,"A\nT2,2024-01-03 09:00,B\n')
