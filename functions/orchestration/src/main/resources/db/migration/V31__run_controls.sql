-- Operators' orders about runs (cancel, kill, restart, rerun), each with who asked, why and when, in the order the run
-- took them (its sequence).
create table run_controls (
    run_id       varchar(36)              not null references runs (id),
    seq          bigint                   not null,
    action       varchar(16)              not null,
    instance     varchar(200),
    requested_by varchar(500)             not null,
    reason       varchar(2000),
    requested_at timestamp with time zone not null,
    primary key (run_id, seq)
);
