// Package redisx holds the Redis plumbing that jwtauth and ratelimit share:
// how a caller's key becomes a stored key, which prefixes are allowed, and
// how one command is bounded by a deadline whatever the client's own
// timeouts are.
package redisx

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrBraceInPrefix is returned by [CheckPrefix]; callers wrap it in their
// own ErrInvalidConfig.
var ErrBraceInPrefix = errors.New("prefix may not contain '{' or '}': Redis Cluster would take a hash tag from it and put every key in one slot")

// CheckPrefix refuses a key prefix holding a brace. Keys choose their
// Redis Cluster slot through a {hash tag}; a brace in the prefix would
// either pin every key to one slot or, with "{}", split keys that must
// share a slot.
func CheckPrefix(prefix string) error {
	if strings.ContainsAny(prefix, "{}") {
		return fmt.Errorf("%w (got %q)", ErrBraceInPrefix, prefix)
	}
	return nil
}

// Digest returns 128 bits of SHA-256 over the length-prefixed parts, in
// hex. Length-prefixing keeps ("ab","c") and ("a","bc") apart. Stored keys
// hold digests, never what a caller passed: this bounds the size of what an
// attacker-chosen name can make us store, keeps e-mail addresses and token
// ids out of Redis, and removes any {hash tag} a name could carry, so
// crafted names cannot pile onto one Cluster slot.
func Digest(parts ...string) string {
	var buf [DigestLen]byte
	return string(AppendDigest(buf[:0], parts...))
}

// DigestLen is the length of what [Digest] returns and [AppendDigest]
// appends.
const DigestLen = 32

// AppendDigest appends [Digest] of parts to dst. Keys built on the hot
// path use it to assemble a whole key in one buffer: with room in dst it
// allocates nothing.
func AppendDigest(dst []byte, parts ...string) []byte {
	// The length-prefixed message is hashed in one call from a buffer on
	// the stack: a hash.Hash from sha256.New would be an allocation per
	// digest. Longer messages (a name of hundreds of bytes) spill to the
	// heap.
	var stack [256]byte
	msg := stack[:0]
	for _, p := range parts {
		msg = binary.BigEndian.AppendUint64(msg, uint64(len(p)))
		msg = append(msg, p...)
	}
	sum := sha256.Sum256(msg)
	return hex.AppendEncode(dst, sum[:DigestLen/2])
}

// Caller runs Redis commands so that each returns by its deadline. The
// zero value is not usable; build one with [NewCaller].
type Caller struct {
	// client is a redis.UniversalClient held as any. A field of the
	// interface type would make the linker keep every go-redis command
	// and reply parser (about 2 MB) in any program that links a Caller,
	// Redis configured or not: a type reachable through an interface
	// value keeps the types of its fields, and UniversalClient's method
	// list names every command.
	client  any
	timeout time.Duration
	// direct is true when the client itself stops at the context's
	// deadline (ContextTimeoutEnabled). Otherwise go-redis waits for its
	// own ReadTimeout (3 s by default), so the command runs on a goroutine
	// that Do stops waiting for at the deadline.
	direct bool
	// reload is set for a Cluster client: see [reloader].
	reload *reloader
}

// NewCaller returns a Caller for client. A positive timeout bounds every
// call in addition to the caller's context; zero leaves only the context.
func NewCaller(client redis.UniversalClient, timeout time.Duration) Caller {
	direct := false
	var reload *reloader
	// Switch on the dynamic type through any: a switch on the interface
	// itself would compare itabs, and an itab of UniversalClient lists
	// every go-redis command, so each program linking this package would
	// keep all of them (about 2 MB) even with no Redis configured.
	switch c := any(client).(type) {
	case *redis.Client:
		direct = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		direct = c.Options().ContextTimeoutEnabled
		reload = &reloader{client: c}
	case *redis.Ring:
		direct = c.Options().ContextTimeoutEnabled
	}
	return Caller{client: client, timeout: timeout, direct: direct, reload: reload}
}

// Client returns the client c calls.
func (c Caller) Client() redis.UniversalClient {
	cl, _ := c.client.(redis.UniversalClient)
	return cl
}

// Client is the part of a go-redis client that single commands and
// scripts need. Every go-redis client has it.
type Client interface {
	redis.Scripter
	Do(ctx context.Context, args ...any) *redis.Cmd
}

// Call runs f with the Caller's client and returns when f does or when
// the context (bounded by the Caller's timeout) is done, whichever comes
// first. A command abandoned at the deadline may still finish in the
// background. A panic in f (a reply of an unexpected shape, say from a
// proxy) becomes an error.
//
// f sees the client only as a [Client]. Prefer Call to [Do]: a program
// that instantiates Do with a callback taking redis.UniversalClient keeps
// every go-redis command and reply parser (about 2 MB), because a
// generic instantiation carries the callback's type, and with it
// UniversalClient's whole method list.
func Call[T any](ctx context.Context, c Caller, f func(context.Context, Client) (T, error)) (T, error) {
	cl, _ := c.client.(Client)
	return run(ctx, c, cl, f)
}

// Do is [Call] for a callback that needs the whole client (pipelines,
// transactions).
func Do[T any](ctx context.Context, c Caller, f func(context.Context, redis.UniversalClient) (T, error)) (T, error) {
	return run(ctx, c, c.Client(), f)
}

// Process sends cmd (built with a go-redis constructor such as
// redis.NewSliceCmd) through the Caller's client, bounded as [Call]
// bounds its callback, and leaves the reply in cmd. Its reply is then
// read exactly as the client's own method for that command reads it, and
// with a client that stops at the deadline itself and no Caller timeout
// that ends sooner, it costs no closure, goroutine or timer. Unless
// Process returns nil, cmd may still be in use in the background and
// must not be read.
func Process(ctx context.Context, c Caller, cmd redis.Cmder) error {
	cl, _ := c.client.(processor)
	_, err := run(ctx, c, command{cl, cmd}, processCommand)
	return err
}

// processor is the one method of a go-redis client that [Process] needs.
type processor interface {
	Process(ctx context.Context, cmd redis.Cmder) error
}

// command is a client and the command Process sends with it, passed to
// run as its client so that the callback, processCommand, captures
// nothing and costs no allocation.
type command struct {
	cl  processor
	cmd redis.Cmder
}

func processCommand(ctx context.Context, x command) (struct{}, error) {
	return struct{}{}, x.cl.Process(ctx, x.cmd)
}

// run is Call, Do and Process.
func run[C, T any](ctx context.Context, c Caller, cl C, f func(context.Context, C) (T, error)) (T, error) {
	if err := ctx.Err(); err != nil {
		var zero T
		return zero, err
	}
	bounded, cancel := c.bound(ctx)
	if cancel != nil {
		defer cancel()
	}
	r := wait(bounded, c.direct, cl, f)
	c.reload.after(r.err)
	return r.v, r.err
}

// wait runs f and returns its reply, or the context's error once it is
// done. A direct client stops at the deadline itself: f runs on the
// caller's goroutine.
func wait[C, T any](ctx context.Context, direct bool, cl C, f func(context.Context, C) (T, error)) reply[T] {
	if direct {
		return safeCall(ctx, cl, f)
	}
	ch := make(chan reply[T], 1)
	go func() { ch <- safeCall(ctx, cl, f) }()
	select {
	case r := <-ch:
		return r
	case <-ctx.Done():
		return reply[T]{err: ctx.Err()}
	}
}

// bound returns ctx bounded by the Caller's timeout, and the function
// that releases the bound's timer. There is no timer to release (cancel
// is nil) when the Caller has no timeout or ctx already ends no later
// than the timeout would: ctx then bounds the call alone.
func (c Caller) bound(ctx context.Context) (bounded context.Context, cancel context.CancelFunc) {
	if c.timeout <= 0 {
		return ctx, nil
	}
	if d, ok := ctx.Deadline(); ok && !d.After(time.Now().Add(c.timeout)) {
		return ctx, nil
	}
	return context.WithTimeout(ctx, c.timeout)
}

type reply[T any] struct {
	v   T
	err error
}

func safeCall[C, T any](ctx context.Context, client C, f func(context.Context, C) (T, error)) (r reply[T]) {
	defer func() {
		if p := recover(); p != nil {
			r = reply[T]{err: fmt.Errorf("unexpected reply from redis: %v", p)}
		}
	}()
	v, err := f(ctx, client)
	return reply[T]{v: v, err: err}
}
