-- Counts of the period table, in DuckDB SQL; read by period_table.py, which
-- fills the placeholders written between double at-signs (sources, time
-- parsing, period arithmetic, segment column, window) and computes Wilson and
-- Laney on the result.
--
-- Text is trimmed like Rust's str::trim (Unicode White_Space), not only
-- spaces as DuckDB's trim() does.
create or replace macro utrim(s) as
    regexp_replace(s, '^[\s\p{Z}\x{0B}\x{85}]+|[\s\p{Z}\x{0B}\x{85}]+$', '', 'g');

-- Raw rows, every column VARCHAR; rowid keeps the file order (insertion order
-- is preserved when a table is created from a file).
create or replace temp table deliveries_raw as select * from @@DELIVERIES_SOURCE@@;
create or replace temp table complaints_raw as select * from @@COMPLAINTS_SOURCE@@;

create or replace temp table deliveries_t as
select @@DELIVERY_TIME@@ as t, @@DELIVERY_SEGMENT@@ as segment, delivered_at as raw_time
from deliveries_raw;

create or replace temp table complaints_t as
select rowid as file_row,
       @@COMPLAINT_TIME@@ as t,
       @@COMPLAINT_SEGMENT@@ as segment,
       nullif(utrim(coalesce(customer_id::varchar, '')), '') as customer,
       nullif(lower(utrim(coalesce(channel::varchar, ''))), '') as ch,
       created_at as raw_time
from complaints_raw;

-- A repeat: same non-empty customer, previous complaint (by time, then file
-- row) at most the window before. A switch: a repeat whose channel differs
-- from that previous complaint's, both channels non-empty.
create or replace temp table complaints_flagged as
select *,
       customer is not null
         and previous_t is not null
         and epoch_us(t) - epoch_us(previous_t) <= @@WINDOW_US@@ as is_repeat,
       customer is not null
         and previous_t is not null
         and epoch_us(t) - epoch_us(previous_t) <= @@WINDOW_US@@
         and ch is not null and previous_ch is not null and ch <> previous_ch as is_switch
from (
    select *,
           lag(t)  over by_customer as previous_t,
           lag(ch) over by_customer as previous_ch
    from complaints_t
    window by_customer as (partition by customer order by t, file_row)
);

create or replace temp table delivery_cells as
select @@PERIOD_START(t)@@ as period_start, segment, count(*) as deliveries
from deliveries_t
group by all;

create or replace temp table complaint_cells as
select @@PERIOD_START(t)@@ as period_start, segment,
       count(*) as complaints,
       count(*) filter (where is_repeat) as repeats,
       count(*) filter (where is_switch) as switches
from complaints_flagged
group by all;

-- Every period from the first to the last with data in either file, times
-- every segment seen in either file.
create or replace temp table grid as
with bounds as (
    select min(period_start) as first, max(period_start) as last
    from (select period_start from delivery_cells union all select period_start from complaint_cells)
),
periods as (
    select cast(unnest(generate_series(cast(first as timestamp), cast(last as timestamp), interval @@STEP@@)) as date)
           as period_start
    from bounds
    where first is not null
),
segments as (
    select segment from delivery_cells union select segment from complaint_cells
)
select period_start, segment from periods cross join segments;

create or replace temp table period_table as
select g.period_start,
       cast(cast(g.period_start as timestamp) + interval @@STEP@@ as date) - 1 as period_end,
       g.segment,
       coalesce(d.deliveries, 0) as deliveries,
       coalesce(c.complaints, 0) as complaints,
       coalesce(c.repeats, 0) as repeats,
       coalesce(c.switches, 0) as switches
from grid g
left join delivery_cells d on d.period_start = g.period_start and d.segment = g.segment
left join complaint_cells c on c.period_start = g.period_start and c.segment = g.segment;
