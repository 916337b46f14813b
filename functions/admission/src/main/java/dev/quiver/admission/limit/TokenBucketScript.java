package dev.quiver.admission.limit;

import dev.quiver.admission.plan.Limit;
import dev.quiver.admission.plan.Plan;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The token bucket of one caller under one plan, decided inside Redis by one Lua script: read, refill, take or refuse,
 * write back and set the expiry in one atomic command, so a decision is one round trip and every replica sees every
 * other's tokens at once (an exact fleet-wide limit, on Redis's clock, whatever the replicas' clocks say).
 *
 * <p>The rules are Bucket4j's, which the in-process buckets use: every limit of the plan is a bucket of
 * {@code capacity} tokens refilled greedily (continuously) by {@code refill} tokens per {@code period}, a bucket
 * starts full, a request takes its tokens from every limit or from none, and a refused request learns how long until
 * they are there. When the plans' version changes, a caller keeps the share of each limit it had (Bucket4j's
 * proportional inheritance). A bucket is kept until it has refilled to the brim and one second more; a full bucket and
 * no bucket are the same.
 *
 * <p>The key holds a MessagePack array, read with one {@code GET} and written with one {@code SET ... PX}: the plans'
 * version, Redis's time of the last decision in microseconds, then for each limit its name, its tokens (fractional) and
 * its capacity then. A refusal under an unchanged version writes nothing: refill is continuous and stops at the
 * capacity, so the stored state yields later exactly the tokens a write would have stored, and a flood of refused
 * requests costs Redis no write (and its replicas and append-only file nothing). The reply is {@code [consumed 0|1,
 * nanoseconds to wait (-1: never), the whole tokens left in each limit...]}.
 */
final class TokenBucketScript {

    static final String CONSUME = "consume";
    static final String REFUND = "refund";

    static final String SOURCE = """
            local refund = ARGV[1] == 'refund'
            local tokens = tonumber(ARGV[2])
            local version = ARGV[3]
            local count = tonumber(ARGV[4])
            local time = redis.call('TIME')
            local now = time[1] * 1000000 + time[2]
            local stored = redis.call('GET', KEYS[1])
            local state = stored and cmsgpack.unpack(stored)
            local rebase = state and state[1] ~= version
            local elapsed = state and math.max(0, now - state[2])
            local available = {}
            local consumable = true
            for i = 1, count do
              local at = 4 * i
              local capacity = tonumber(ARGV[at + 2])
              local current = capacity
              if state then
                local name = ARGV[at + 1]
                local j = 3 * i
                if state[j] ~= name then
                  j = nil
                  for k = 3, #state, 3 do
                    if state[k] == name then
                      j = k
                    end
                  end
                end
                if j then
                  local tokensThen = state[j + 1]
                  if rebase then
                    tokensThen = tokensThen * capacity / state[j + 2]
                  end
                  current = math.min(capacity, tokensThen + elapsed * ARGV[at + 3] / ARGV[at + 4])
                end
              end
              available[i] = current
              if current < tokens then
                consumable = false
              end
            end
            local consumed = (consumable and not refund) and 1 or 0
            local wait = 0
            local reply = {consumed, 0}
            local kept = {version, now}
            local untilFull = 0
            for i = 1, count do
              local at = 4 * i
              local capacity, refill, period = tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4])
              local left = available[i]
              if refund then
                left = math.min(capacity, left + tokens)
              elseif consumed == 1 then
                left = left - tokens
              elseif tokens > capacity then
                wait = -1
              elseif wait >= 0 and left < tokens then
                wait = math.max(wait, (tokens - left) * period / refill)
              end
              kept[3 * i], kept[3 * i + 1], kept[3 * i + 2] = ARGV[at + 1], left, capacity
              untilFull = math.max(untilFull, (capacity - left) * period / refill)
              reply[2 + i] = math.floor(left)
            end
            reply[2] = wait < 0 and -1 or math.ceil(wait * 1000)
            if refund or consumed == 1 or rebase then
              redis.call('SET', KEYS[1], cmsgpack.pack(kept), 'PX', math.ceil(untilFull / 1000) + 1000)
            end
            return reply
            """;

    /** What EVALSHA names the script by: the SHA-1 of its text, in hex. */
    static final String DIGEST = digest(SOURCE);

    private TokenBucketScript() {
    }

    private static String digest(String source) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JDK", e);
        }
    }

    /** The script's arguments: the operation, the tokens, the plans' version, then each limit of the plan. */
    static String[] arguments(String operation, long tokens, long version, Plan plan) {
        List<Limit> limits = plan.limits();
        String[] arguments = new String[4 + 4 * limits.size()];
        arguments[0] = operation;
        arguments[1] = Long.toString(tokens);
        arguments[2] = Long.toString(version);
        arguments[3] = Integer.toString(limits.size());
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            arguments[4 + 4 * i] = limit.name();
            arguments[5 + 4 * i] = Long.toString(limit.capacity());
            arguments[6 + 4 * i] = Long.toString(limit.refill());
            arguments[7 + 4 * i] = Double.toString(limit.period().toNanos() / 1000.0);
        }
        return arguments;
    }

    /** The answer in a reply of the script. */
    static Quota quota(Plan plan, List<Object> reply) {
        boolean consumed = ((Long) reply.get(0)) == 1;
        long wait = (Long) reply.get(1);
        long[] remaining = new long[reply.size() - 2];
        for (int i = 0; i < remaining.length; i++) {
            remaining[i] = Math.max(0, (Long) reply.get(2 + i));
        }
        return new Quota(plan, consumed, remaining, consumed ? 0 : wait < 0 ? Long.MAX_VALUE : wait);
    }
}
