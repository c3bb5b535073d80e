package redisrevoker

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/lambdasec/lambdasec/secevent"
)

// Data-loss detection.
//
// Subjects are spread over buckets, and each bucket has an epoch marker:
// a key without expiry holding a not-before (Unix seconds) for every
// subject of the bucket. A subject's records carry the bucket's hash tag,
// so the marker is in their slot and every check reads it in the same
// MGET: detection costs no round trip, only a key in a reply.
//
// A restart without persistence, a failover to a replica that never had
// the data, a FLUSHALL or an eviction of the marker all leave it missing.
// A check that finds it missing refuses the token and recreates every
// missing marker with a not-before of the next whole second: tokens
// issued before the recovery, so every token issued before the loss, are
// refused, and users log in again. Markers that survived are left as
// they are (SET NX), so on Redis Cluster only the subjects whose shard
// lost its data are logged out.
//
// A loss cannot be told from a store that was never used: the first
// check against an empty store runs the same recovery, which refuses the
// tokens issued before it. A restore of an older snapshot keeps the
// markers of that snapshot and is not detected: call RevokeAll after one.

// buckets is the number of epoch markers; see [redisx.Buckets].
const buckets = redisx.Buckets

// appendEpochKey appends the epoch key of bucket tag,
// <prefix>:epoch{<tag>}.
func (r *Revoker) appendEpochKey(b []byte, tag [3]byte) []byte {
	b = append(b, r.prefix...)
	b = append(b, ":epoch{"...)
	b = append(b, tag[:]...)
	return append(b, '}')
}

// setEpochKeys builds every bucket's epoch key, as a string for recovery
// and as a command argument for the check: boxing a string into an
// interface allocates, and the check would otherwise do it every time.
func (r *Revoker) setEpochKeys() {
	r.epochKeysAll = make([]string, buckets)
	r.epochArgs = make([]any, buckets)
	for i := range r.epochKeysAll {
		r.epochKeysAll[i] = string(r.appendEpochKey(nil, redisx.BucketTag(i)))
		r.epochArgs[i] = r.epochKeysAll[i]
	}
}

// checkEpoch reads the bucket's epoch marker from the check's reply: a
// missing marker refuses the token and starts the recovery; a present one
// refuses tokens issued before its not-before.
func (r *Revoker) checkEpoch(ctx context.Context, v any, iat time.Time) (bool, error) {
	if v == nil {
		r.recover(ctx)
		return true, nil
	}
	s, ok := v.(string)
	if !ok {
		return false, errCorrupt
	}
	nbf, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return false, errCorrupt
	}
	return iat.Unix() < nbf, nil
}

// recover recreates the missing epoch markers after a check found one
// missing. One recovery runs at a time per process; checks that find a
// marker missing meanwhile refuse their token without waiting. A recovery
// cut short by ctx is finished by the next check that finds a marker
// missing.
func (r *Revoker) recover(ctx context.Context) {
	if !r.healing.CompareAndSwap(false, true) {
		return
	}
	defer r.healing.Store(false)
	if _, err := r.createMarkers(ctx); err != nil {
		r.log.LogAttrs(ctx, slog.LevelError, "redisrevoker: recreating epoch markers failed; tokens of the affected subjects stay refused until it succeeds",
			slog.String("error", err.Error()))
	}
}

// createMarkers creates every missing epoch marker with a not-before of
// the next whole second, in one pipeline (one round trip per node), and
// reports the loss when it created any. It returns that not-before when
// it created a marker, else the zero time.
func (r *Revoker) createMarkers(ctx context.Context) (time.Time, error) {
	nbf := r.now().Truncate(time.Second).Add(time.Second)
	created, err := redisx.Do(ctx, r.redis, func(ctx context.Context, cl redis.UniversalClient) (int, error) {
		cmds, err := cl.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range r.epochKeysAll {
				p.SetNX(ctx, k, nbf.Unix(), 0)
			}
			return nil
		})
		n := 0
		for _, c := range cmds {
			if b, ok := c.(*redis.BoolCmd); ok && b.Val() {
				n++
			}
		}
		return n, err
	})
	if created == 0 {
		return time.Time{}, err
	}
	secevent.Emit(ctx, r.events, secevent.Event{
		Name:   secevent.SysDependencyFail,
		Level:  secevent.LevelCritical,
		Reason: "revocation_store_lost",
		Attrs: []slog.Attr{
			slog.Int("markers_recreated", created),
			slog.Int("markers", buckets),
			slog.Int64("not_before", nbf.Unix()),
		},
	})
	return nbf, err
}

// markersPresent reports whether every epoch marker exists, asking a
// single server with one EXISTS over all of them: at a cold start that is
// a few times faster than the pipeline of SETNX createMarkers sends. A
// cluster cannot answer it in one command (the markers sit in different
// slots), and an error proves nothing; both report false, and the caller
// goes on to createMarkers.
func (r *Revoker) markersPresent(ctx context.Context) bool {
	if _, single := r.redis.Client().(*redis.Client); !single {
		return false
	}
	n, err := redisx.Do(ctx, r.redis, func(ctx context.Context, cl redis.UniversalClient) (int64, error) {
		return cl.Exists(ctx, r.epochKeysAll...).Result()
	})
	return err == nil && n == int64(len(r.epochKeysAll))
}

// Prepare makes sure every epoch marker exists, before the service issues
// or checks tokens. On a store that lost its data, or was never used, it
// creates the missing markers as a check would (tokens issued before now
// are refused, and the loss is reported), then waits until the next whole
// second, at most one second, so that tokens this process issues once
// Prepare has returned are not refused as issued before the loss. On a
// store whose markers are all present it only costs one round trip per
// node.
//
// Without Prepare, the first check against an empty store does the same
// work but cannot wait: tokens issued since the process started are
// refused once, and their users log in again. A process that only
// verifies tokens (an authorizer) needs no Prepare: its first check does
// the same, and it has issued nothing that could be refused.
func (r *Revoker) Prepare(ctx context.Context) error {
	if r.markersPresent(ctx) {
		return nil
	}
	nbf, err := r.createMarkers(ctx)
	if err != nil {
		return fmt.Errorf("redisrevoker: prepare epoch markers: %w", err)
	}
	if nbf.IsZero() {
		return nil
	}
	// A few milliseconds past it: the wall clock and the timer's
	// monotonic clock may disagree by a little.
	t := time.NewTimer(nbf.Sub(r.now()) + 5*time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redisrevoker: prepare epoch markers: %w", ctx.Err())
	}
}

// revokeAllScript raises KEYS[1] to ARGV[1] (Unix seconds), without
// expiry.
const revokeAllScript = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > cur then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1`

// RevokeAll refuses every token issued before before (rounded up to the
// next whole second), of every subject and issuer stored under the
// Revoker's prefix: for a signing key that leaked, or after restoring
// Redis from a snapshot, which brings back the epoch markers of the
// snapshot, so that the loss of every revocation written since is not
// detected. It raises each bucket's not-before and never lowers one. The
// writes are not waited for on replicas; on error, call it again.
func (r *Revoker) RevokeAll(ctx context.Context, before time.Time) error {
	sec := before.Unix()
	if before.After(time.Unix(sec, 0)) {
		sec++
	}
	_, err := redisx.Do(ctx, r.redis, func(ctx context.Context, cl redis.UniversalClient) ([]redis.Cmder, error) {
		return cl.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range r.epochKeysAll {
				p.Eval(ctx, revokeAllScript, []string{k}, sec)
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("redisrevoker: revoke all: %w", err)
	}
	return nil
}
