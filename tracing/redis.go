package tracing

import (
	"context"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Redis adds a hook to c (a *redis.Client, *redis.ClusterClient,
// *redis.Ring or any redis.UniversalClient) so that commands and pipelines
// run with a context carrying a sampled trace become subsegments in the
// "remote" namespace, named after the server address (or "redis" for a
// cluster or ring), with the command names in the "redis" metadata
// namespace. Keys and values are never recorded: keys often hold
// identifiers (a token id in a revocation check) and values secrets.
// redis.Nil, a cache miss, is not an error; other failures are faults,
// with quoted values in their messages hidden (Redis quotes the arguments
// of a command it refuses).
func Redis(c interface{ AddHook(redis.Hook) }) {
	if c == nil {
		return
	}
	name := "redis"
	if cl, ok := c.(*redis.Client); ok {
		name = cl.Options().Addr
	}
	c.AddHook(redisHook{name: sanitizeName(name)})
}

type redisHook struct{ name string }

// DialHook does not record dials: go-redis dials new connections with a
// context of its own, not the caller's.
func (h redisHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if _, seg := segment(ctx); seg == nil || ctx.Value(redisActive{}) != nil {
			return next(ctx, cmd)
		}
		return h.record(ctx, commandName(cmd), func(ctx context.Context) error { return next(ctx, cmd) })
	}
}

func (h redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if _, seg := segment(ctx); seg == nil || ctx.Value(redisActive{}) != nil {
			return next(ctx, cmds)
		}
		names := make([]string, 0, min(len(cmds), 20))
		for i, c := range cmds {
			if i == 20 {
				names = append(names, "...")
				break
			}
			names = append(names, commandName(c))
		}
		return h.record(ctx, "pipeline "+strings.Join(names, " "), func(ctx context.Context) error { return next(ctx, cmds) })
	}
}

// redisActive marks a context inside a recorded command. The commands
// go-redis sends to set up a new connection (HELLO, CLIENT SETINFO, ...)
// run through the hooks with that context; they are part of the command
// that needed the connection, not commands of their own, and their
// expected failures on older servers are not faults.
type redisActive struct{}

func (h redisHook) record(ctx context.Context, command string, fn func(context.Context) error) error {
	ctx, sub := beginSub(ctx, h.name)
	if sub == nil {
		return fn(ctx)
	}
	ctx = context.WithValue(ctx, redisActive{}, true)
	sub.mu.Lock()
	sub.doc.Namespace = "remote"
	sub.doc.Metadata = map[string]map[string]any{"redis": {"command": truncate(command, 256)}}
	sub.mu.Unlock()
	err := fn(ctx)
	if errors.Is(err, redis.Nil) {
		sub.close()
	} else {
		closeSeg(sub, err)
	}
	return err
}

// commandName is the name of cmd for the trace. go-redis takes it from the
// first argument, which for a command sent with Do can be any value: a
// name that is not a plain word is recorded as "?".
func commandName(cmd redis.Cmder) string {
	name := cmd.Name()
	if name == "" || len(name) > 32 {
		return "?"
	}
	for i := 0; i < len(name); i++ {
		if !keyByte(name[i]) && name[i] != '-' && name[i] != '.' {
			return "?"
		}
	}
	return name
}
