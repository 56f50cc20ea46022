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
select rowid as file_row, @@DELIVERY_TIME@@ as t, @@DELIVERY_SEGMENT@@ as segment, delivered_at as raw_time
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

-- Coverage (METHODS §2.3): the days both exports cover. C and D are the
-- first and last dates of the complaints and of the deliveries inside
-- --from/--to. A complaint-free stretch at either end of D that chance could
-- explain at the overall rate p = complaints / deliveries (probability
-- exp(-p x deliveries in the stretch) >= 0.01) does not cut the window.
create or replace macro in_range(day) as
    (@@FROM@@ is null or day >= @@FROM@@) and (@@TO@@ is null or day <= @@TO@@);

create or replace temp table coverage as
with complaint_days as (
    select cast(t as date) as day from complaints_t where t is not null and in_range(cast(t as date))
),
delivery_days as (
    select cast(t as date) as day from deliveries_t where t is not null and in_range(cast(t as date))
),
c as (select min(day) as first, max(day) as last, count(*) as n from complaint_days),
d as (select min(day) as first, max(day) as last, count(*) as n from delivery_days),
edges as (
    select c.first as c_first, c.last as c_last, c.n as c_n,
           d.first as d_first, d.last as d_last, d.n as d_n,
           case when d.n > 0 then c.n / d.n end as p,
           (select count(*) from delivery_days where day < c.first) as deliveries_before_c,
           (select count(*) from delivery_days where day > c.last) as deliveries_after_c
    from c, d
),
tolerant as (
    select *,
           -- no complaints at all: p = 0, so every gap could be chance
           case when c_first is null then d_first
                when c_first > d_first and exp(-p * deliveries_before_c) >= 0.01 then d_first
                else c_first end as c_first_tolerant,
           case when c_last is null then d_last
                when c_last < d_last and exp(-p * deliveries_after_c) >= 0.01 then d_last
                else c_last end as c_last_tolerant
    from edges
)
select *,
       greatest(c_first_tolerant, d_first) as w_first,
       least(c_last_tolerant, d_last) as w_last
from tolerant;

-- Counted rows: dated inside the window W (which lies inside --from/--to).
create or replace temp table deliveries_counted as
select d.* from deliveries_t d, coverage w
where cast(d.t as date) between w.w_first and w.w_last;

create or replace temp table complaints_counted as
select c.* from complaints_flagged c, coverage w
where cast(c.t as date) between w.w_first and w.w_last;

-- First and last counted dates (the one period of --period all).
create or replace temp table span as
select min(day) as first, max(day) as last
from (select cast(t as date) as day from deliveries_counted
      union all select cast(t as date) as day from complaints_counted);

create or replace temp table delivery_cells as
select @@PERIOD_START(t)@@ as period_start, segment, count(*) as deliveries
from deliveries_counted
group by all;

create or replace temp table complaint_cells as
select @@PERIOD_START(t)@@ as period_start, segment,
       count(*) as complaints,
       count(*) filter (where is_repeat) as repeats,
       count(*) filter (where is_switch) as switches
from complaints_counted
group by all;

-- Every period from the first to the last with counted rows in either file,
-- times every segment seen among the counted rows of either file.
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

-- A period is partial when W cuts it (never for --period all).
create or replace temp table period_table as
select g.period_start,
       @@PERIOD_END(g.period_start)@@ as period_end,
       g.segment,
       coalesce(d.deliveries, 0) as deliveries,
       coalesce(c.complaints, 0) as complaints,
       coalesce(c.repeats, 0) as repeats,
       coalesce(c.switches, 0) as switches,
       @@ALL@@ = false and (g.period_start < w.w_first or @@PERIOD_END(g.period_start)@@ > w.w_last) as partial
from grid g
cross join coverage w
left join delivery_cells d on d.period_start = g.period_start and d.segment = g.segment
left join complaint_cells c on c.period_start = g.period_start and c.segment = g.segment;
