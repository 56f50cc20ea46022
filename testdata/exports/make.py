#!/usr/bin/env python3
"""Small exports in the shapes real systems produce, made by this project
(no row copied from anywhere), for tests/exports.rs. Each directory holds a
complaints-side file and a deliveries-side file and is read with flags only,
no script: the README's Inputs section gives the recipe for each.

Run from this directory with a Python that has openpyxl: python3 make.py
It also prints the counts the tests expect, computed here by plain Python."""

import csv
import datetime as dt
import os
import random

import openpyxl

rng = random.Random(2026)
HERE = os.path.dirname(os.path.abspath(__file__))


def out(*parts):
    path = os.path.join(HERE, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def write_csv(path, header, rows, delimiter=",", bom=False):
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


# 1. A marketplace: reviews (1-5 stars) and orders. Complaints are the reviews
#    scored 1-2; the customer is only in the orders.
start = dt.datetime(2025, 1, 6, 8, 0)
orders, reviews = [], []
for i in range(1, 201):
    bought = start + dt.timedelta(hours=rng.randrange(0, 24 * 56))
    delivered = bought + dt.timedelta(days=rng.randrange(2, 6), hours=rng.randrange(0, 8))
    customer = f"cust{rng.randrange(1, 120):03d}"
    status = "delivered" if rng.random() < 0.93 else "canceled"
    orders.append([f"ord{i:04d}", customer, status, bought.strftime("%Y-%m-%d %H:%M:%S"),
                   delivered.strftime("%Y-%m-%d %H:%M:%S") if status == "delivered" else ""])
    if status == "delivered" and rng.random() < 0.8:
        score = rng.choices([1, 2, 3, 4, 5], [8, 4, 8, 30, 50])[0]
        created = delivered + dt.timedelta(days=rng.randrange(0, 3))
        if created < start + dt.timedelta(days=56):
            reviews.append([f"rev{i:04d}", f"ord{i:04d}", score, created.strftime("%Y-%m-%d 00:00:00"),
                            (created + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")])
# One customer's two bad reviews two days apart: a repeat once the customer comes through the order.
orders.append(["ord0901", "cust500", "delivered", "2025-02-10 09:00:00", "2025-02-12 10:00:00"])
orders.append(["ord0902", "cust500", "delivered", "2025-02-11 09:00:00", "2025-02-13 10:00:00"])
reviews.append(["rev0901", "ord0901", 1, "2025-02-13 00:00:00", "2025-02-14 08:00:00"])
reviews.append(["rev0902", "ord0902", 2, "2025-02-15 00:00:00", "2025-02-16 08:00:00"])
write_csv(out("reviews", "order_reviews.csv"),
          ["review_id", "order_id", "review_score", "review_creation_date", "review_answer_timestamp"], reviews)
write_csv(out("reviews", "orders.csv"),
          ["order_id", "customer_id", "order_status", "order_purchase_timestamp", "order_delivered_customer_date"],
          orders)
delivered_orders = [o for o in orders if o[2] == "delivered"]
low = [r for r in reviews if r[2] <= 2]
print(f"reviews: {len(reviews)} reviews, {len(low)} scored 1-2, {len(delivered_orders)} delivered orders")

# 2. A telecom's complaint log: day-month-two-digit-year dates and a
#    12-hour time in a separate column; monthly order volumes.
rows = []
for i in range(1, 61):
    day = dt.date(2015, 4, 1) + dt.timedelta(days=rng.randrange(0, 61))
    t = dt.time(rng.randrange(0, 24), rng.randrange(0, 60), rng.randrange(0, 60))
    rows.append([f"{250000 + i}", f"Customer {rng.randrange(1, 40)} says the line drops", day.strftime("%d-%m-%y"),
                 day.strftime("%d-%b-%y"), dt.datetime.combine(day, t).strftime("%I:%M:%S %p").lstrip("0"),
                 rng.choice(["Internet", "Customer Care Call"]), rng.choice(["Georgia", "Florida", "Texas"]),
                 rng.choice(["Closed", "Open", "Solved"])])
write_csv(out("telecom", "complaints.csv"),
          ["Ticket #", "Customer Complaint", "Date", "Date_month_year", "Time", "Received Via", "State", "Status"],
          rows)
write_csv(out("telecom", "orders_monthly.csv"), ["month", "orders"], [["2015-04", "10 400"], ["2015-05", "11 050"]])
may = sum(1 for r in rows if r[2][3:5] == "05")
print(f"telecom: {len(rows)} complaints, {len(rows) - may} in April, {may} in May (counted to 31 May)")

# 3. Tweets to and from customer-support accounts: only inbound ones are
#    complaints; Twitter's time layout; daily delivery counts.
tweets = []
base = dt.datetime(2017, 10, 2, 9, 0, tzinfo=dt.timezone.utc)
for i in range(1, 81):
    t = base + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 27))
    inbound = rng.random() < 0.6
    author = f"{rng.randrange(100000, 100030)}" if inbound else "AcmeSupport"
    tweets.append([f"{900000 + i}", author, "True" if inbound else "False", t.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                   "my parcel never came" if inbound else "@you sorry, DM us", "", ""])
write_csv(out("tweets", "twcs.csv"),
          ["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"],
          tweets)
days = [dt.date(2017, 10, 2) + dt.timedelta(days=d) for d in range(28)]
write_csv(out("tweets", "deliveries_daily.csv"), ["day", "deliveries"], [[d.isoformat(), 400 + 7 * (d.day % 5)] for d in days])
print(f"tweets: {len(tweets)} tweets, {sum(1 for t in tweets if t[2] == 'True')} inbound")

# 4. A helpdesk ticket export: UTF-8 BOM, multi-line descriptions, US dates,
#    `Customer Email` and `Ticket Channel`; order volumes per month.
tickets = []
for i in range(1, 51):
    day = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(0, 90))
    email = f"user{rng.randrange(1, 25)}@example.com"
    tickets.append([i, f"User {i}", email, rng.choice(["Phone X", "Laptop Y"]), f"{day.month}/{day.day}/{day.year}",
                    rng.choice(["Refund request", "Technical issue", "Billing inquiry"]), "It stopped working",
                    "I bought it last week.\nNow it does not start.", rng.choice(["Open", "Closed"]),
                    rng.choice(["Low", "High"]), rng.choice(["Email", "Phone", "Chat", "Social media"])])
# Two contacts by one customer two days apart, switching from email to phone.
tickets.append([51, "Repeat", "again@example.com", "Phone X", "2/10/2021", "Technical issue", "Still broken",
                "Same problem.", "Open", "High", "Email"])
tickets.append([52, "Repeat", "again@example.com", "Phone X", "2/12/2021", "Technical issue", "Still broken",
                "Called this time.", "Open", "High", "Phone"])
write_csv(out("helpdesk", "customer_support_tickets.csv"),
          ["Ticket ID", "Customer Name", "Customer Email", "Product Purchased", "Date of Purchase", "Ticket Type",
           "Ticket Subject", "Ticket Description", "Ticket Status", "Ticket Priority", "Ticket Channel"],
          tickets, bom=True)
write_csv(out("helpdesk", "orders_per_month.csv"), ["month", "orders"],
          [["2021-01", 2100], ["2021-02", 1900], ["2021-03", 2300]])
print(f"helpdesk: {len(tickets)} tickets")

# 5. An incident event log (ServiceNow-like): one row per update of an
#    incident, `number` repeating; day-first dates with dashes.
events = []
for i in range(1, 31):
    opened = dt.datetime(2016, 2, 22, 8, 0) + dt.timedelta(hours=rng.randrange(0, 24 * 20))
    caller = f"Caller {rng.randrange(1, 12)}"
    contact = rng.choice(["Phone", "Email", "Self service"])
    for k, state in enumerate(["New", "Active", "Resolved"][: rng.randrange(1, 4)]):
        events.append([f"INC{i:07d}", state, opened.strftime("%d-%m-%Y %H:%M"), caller, contact,
                       (opened + dt.timedelta(hours=5 * k)).strftime("%d-%m-%Y %H:%M")])
write_csv(out("incidents", "incident_event_log.csv"),
          ["number", "incident_state", "opened_at", "caller_id", "contact_type", "sys_updated_at"], events)
write_csv(out("incidents", "deliveries.csv"), ["date", "deliveries"],
          [[(dt.date(2016, 2, 22) + dt.timedelta(days=d)).isoformat(), 150] for d in range(21)])
print(f"incidents: {len(events)} events of 30 incidents")

# 6. One workbook with an Orders sheet and a Returns sheet (no date: a
#    return takes its delivery's).
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Orders"
ws.append(["Order ID", "Order Date", "Region", "Customer ID"])
returns = []
for i in range(1, 121):
    when = dt.datetime(2024, 3, 4, 10, 0) + dt.timedelta(hours=rng.randrange(0, 24 * 28))
    ws.append([f"SO-{i:05d}", when, rng.choice(["East", "West"]), f"CU-{rng.randrange(1, 60):03d}"])
    ws.cell(row=ws.max_row, column=2).number_format = "yyyy-mm-dd hh:mm"
    if rng.random() < 0.15:
        returns.append([f"SO-{i:05d}", rng.choice(["Damaged", "Wrong size", "Late"])])
returns.append(["SO-99999", "Unknown order"])
rs = wb.create_sheet("Returns")
rs.append(["Order ID", "Reason"])
for r in returns:
    rs.append(r)
wb.properties.created = dt.datetime(2000, 1, 1)
wb.properties.modified = dt.datetime(2000, 1, 1)
wb.save(out("workbook", "superstore.xlsx"))
print(f"workbook: 120 orders, {len(returns)} returns (1 of an unknown order)")
