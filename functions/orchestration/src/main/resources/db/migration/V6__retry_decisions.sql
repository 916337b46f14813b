-- One retry decision per failed attempt: the action, its reasons and the evidence it weighed. The budget counts the
-- decisions that spend it per pipeline and per tenant within a window.
create table retry_decisions (
    run_id       varchar(36)              not null,
    instance     varchar(200)             not null,
    attempt      integer                  not null,
    action       varchar(32)              not null,
    reasons      text                     not null,
    evidence     text                     not null,
    delay_ms     bigint                   not null,
    memory_bytes bigint,
    upstream     varchar(200),
    pipeline     varchar(63)              not null,
    tenant       varchar(500)             not null,
    decided_at   timestamp with time zone not null,
    primary key (run_id, instance, attempt),
    foreign key (run_id, instance, attempt) references attempts (run_id, instance, attempt)
);

create index retry_decisions_pipeline on retry_decisions (pipeline, decided_at);
create index retry_decisions_tenant on retry_decisions (tenant, decided_at);

-- the memory limit of an instance's next attempts, once a retry for memory raised it
alter table step_instances add column memory_bytes bigint;
