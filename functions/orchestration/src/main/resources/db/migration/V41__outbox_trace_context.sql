-- The trace context (W3C traceparent and tracestate) of the transaction that decided an outbox event, which the event
-- carries when it is sent later, so that its trace goes on from the work that caused it. Null when none was traced.
alter table outbox add column trace_parent varchar(55);
alter table outbox add column trace_state varchar(512);
