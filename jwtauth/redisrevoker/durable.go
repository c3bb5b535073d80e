package redisrevoker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/lambdasec/lambdasec/jwtauth"
)

// ErrNotDurable means a revocation reached the primary but fewer than
// Config.Replicas replicas acknowledged it within the timeout. The record
// stays on the primary; only a failover before it replicates would lose
// it. Returned by the revoke methods unless Config.AcceptFewerReplicas is
// set; always wrapped (in [jwtauth.ErrRevocationUnavailable] by the
// Authenticator); use errors.Is.
var ErrNotDurable = errors.New("redisrevoker: revocation not acknowledged by enough replicas")

// defaultWait is the replica wait when the context has no deadline and
// Config.ReplicaTimeout is zero.
const defaultWait = time.Second

func checkDurability(cfg Config) error {
	switch {
	case cfg.Replicas < 0 || cfg.ReplicaTimeout < 0:
		return fmt.Errorf("%w: redisrevoker.Config: Replicas and ReplicaTimeout must not be negative", jwtauth.ErrInvalidConfig)
	case cfg.Replicas > 0 && isRing(cfg.Client):
		// A Ring shards keys over independent servers: there is no
		// replica to wait for, and WAIT would go to an arbitrary shard.
		return fmt.Errorf("%w: redisrevoker.Config: Replicas needs a client with replicas, not a Ring", jwtauth.ErrInvalidConfig)
	}
	return nil
}

func isRing(c redis.UniversalClient) bool {
	_, ok := any(c).(*redis.Ring)
	return ok
}

// write runs args, one command that writes the revocation record key:
// the write path of every revocation (token, subject and family). With
// Config.Replicas it is followed by WAIT on the same connection, and the
// revocation is done only once enough replicas acknowledge it.
func (r *Revoker) write(ctx context.Context, key string, args ...any) error {
	if r.replicas == 0 {
		_, err := redisx.Call(ctx, r.redis, func(ctx context.Context, cl redisx.Client) (any, error) {
			return cl.Do(ctx, args...).Result()
		})
		return err
	}
	wait := r.waitTimeout(ctx)
	acked, err := redisx.Do(ctx, r.redis, func(ctx context.Context, cl redis.UniversalClient) (int64, error) {
		return writeAndWait(ctx, cl, key, args, r.replicas, wait)
	})
	switch {
	case err != nil:
		return err
	case acked >= int64(r.replicas):
		return nil
	case r.acceptFewer:
		r.log.LogAttrs(ctx, slog.LevelWarn, "redisrevoker: revocation on the primary only; a failover now would lose it",
			slog.Int64("acknowledged", acked), slog.Int("replicas", r.replicas))
		return nil
	}
	return fmt.Errorf("%w: %d of %d within %v", ErrNotDurable, acked, r.replicas, wait)
}

// writeAndWait sends args and WAIT in one pipeline, so both run on one
// connection: WAIT counts the replicas that have every write of its own
// connection. On Redis Cluster the pipeline goes to the master of key's
// slot; after an error (a moved slot, a master that failed over) the
// cluster's layout is read again before the next call.
func writeAndWait(ctx context.Context, cl redis.UniversalClient, key string, args []any, replicas int, wait time.Duration) (int64, error) {
	var node interface {
		Pipelined(context.Context, func(redis.Pipeliner) error) ([]redis.Cmder, error)
	} = cl
	cc, cluster := any(cl).(*redis.ClusterClient)
	if cluster {
		master, err := cc.MasterForKey(ctx, key)
		if err != nil {
			return 0, err
		}
		node = master
	}
	var acked *redis.Cmd
	_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Do(ctx, args...)
		acked = p.Do(ctx, "wait", replicas, wait.Milliseconds())
		return nil
	})
	if err != nil {
		if cluster {
			cc.ReloadState(ctx)
		}
		return 0, err
	}
	return acked.Int64()
}

// reloadLayout asks a Cluster client to read the cluster's layout again
// after a failed call: otherwise go-redis keeps sending a failed master's
// slots to it for up to a minute after its replica took over. go-redis
// runs at most one reload at a time, so a burst of failures costs one.
func (r *Revoker) reloadLayout(ctx context.Context) {
	if cc, ok := any(r.redis.Client()).(*redis.ClusterClient); ok {
		cc.ReloadState(ctx)
	}
}

// waitTimeout is the WAIT timeout: Config.ReplicaTimeout, at most half
// the time left before ctx's deadline (the rest is for the write and the
// reply, which a loaded process may read late), never under a
// millisecond (WAIT 0 would block for ever).
func (r *Revoker) waitTimeout(ctx context.Context) time.Duration {
	w := r.replicaWait
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl) / 2
		if w == 0 || left < w {
			w = left
		}
	}
	if w == 0 {
		w = defaultWait
	}
	return max(w, time.Millisecond)
}
