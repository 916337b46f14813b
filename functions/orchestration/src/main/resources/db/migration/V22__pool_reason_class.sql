-- A pool workload's reason as two values: its class (TooLarge, PendingLimit, GangTimeout, Preempted), which a refused
-- step fails with, and its message; they were one text, "class: message". Written for PostgreSQL; the embedded
-- database runs the same statements.

alter table pool_workloads add column reason_class varchar(63);
update pool_workloads set reason_class = substring(reason from 1 for position(': ' in reason) - 1),
    reason = substring(reason from position(': ' in reason) + 2)
    where position(': ' in reason) > 0;
