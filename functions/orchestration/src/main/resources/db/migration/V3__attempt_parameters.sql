-- the parameters an attempt ran with (step, run and fan-out item merged), for lineage queries
alter table attempts add column params text;
