package redisrevoker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/secevent"
)

// DefaultPrefix starts every key when Config.Prefix is empty.
const DefaultPrefix = "jwtauth"

// Config configures a [Revoker].
type Config struct {
	// Client is any go-redis client: *redis.Client, *redis.ClusterClient
	// or a Sentinel failover client. Required.
	Client redis.UniversalClient
	// Prefix starts every key. Zero means "jwtauth". It may not contain
	// '{' or '}': Redis Cluster would take a hash tag from the prefix and
	// either put every record in one slot or, with "{}", split a
	// subject's two records across slots (CROSSSLOT on every check).
	Prefix string

	// Replicas is how many replicas must hold each revocation before it
	// is reported done: every write is followed by WAIT on the same
	// connection (on Redis Cluster, on the master of the record's slot).
	// Set it to 1 on a replicated deployment (ElastiCache with a replica,
	// Redis Cluster with replicas, Sentinel), so a failover right after a
	// logout cannot take the logout back. Zero means no wait: a revocation
	// is done once the primary has it, and replication is asynchronous.
	Replicas int
	// ReplicaTimeout bounds the wait for Replicas. Zero means half the
	// time left before the context's deadline (the Authenticator's
	// RevocationTimeout, 100 ms by default); it is never more than that.
	ReplicaTimeout time.Duration
	// AcceptFewerReplicas reports a revocation done when fewer than
	// Replicas replicas acknowledged it in time (it is on the primary and
	// is lost only if the primary fails before replicating it), logging
	// a warning. The default (false) returns an error wrapping
	// [ErrNotDurable]: the logout is answered as failed, and the caller
	// may retry it.
	AcceptFewerReplicas bool

	// Events receives the event logged when the store is found to have
	// lost data (see [Revoker]). Nil means a secevent log sink on Logger.
	Events secevent.Sink
	// Logger receives store failures around writes and recovery. Nil
	// means slog.Default().
	Logger *slog.Logger
	// Now is the clock of the not-before set after a data loss. Nil means
	// time.Now.
	Now func() time.Time
}

// Revoker is a [jwtauth.Revoker] in Redis. Create it with [New]; the zero
// value is not usable. It is safe for concurrent use.
//
// A subject's records and the epoch marker of its bucket share one hash
// tag, so the check is one MGET (one round trip) on a single node and on
// Redis Cluster alike, with no CROSSSLOT error; the package doc says what
// the marker detects. Keys hold only hashes, never a token, subject or
// token id in clear, and revocations expire with the tokens they refuse.
// Every call returns when its context is done even if the client's own
// timeouts are longer (the command itself may then finish later in the
// background).
//
// Checks read wherever the client sends reads. A client that reads from
// replicas (ClusterOptions ReadOnly, RouteByLatency or RouteRandomly, or
// an ElastiCache reader endpoint) may miss a revocation written to the
// primary moments before; point the revoker at the primary when that lag
// matters.
type Revoker struct {
	redis  redisx.Caller
	prefix string

	replicas     int
	replicaWait  time.Duration
	acceptFewer  bool
	events       secevent.Sink
	log          *slog.Logger
	now          func() time.Time
	healing      atomic.Bool // a recovery from data loss is running
	epochKeysAll []string    // every bucket's epoch key, for recovery
	epochArgs    []any       // the same keys, boxed once for the check's MGET
}

// New returns a Revoker. It fails with [jwtauth.ErrInvalidConfig] when the
// client is missing or the prefix holds a brace.
func New(cfg Config) (*Revoker, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: redisrevoker.Config.Client is required", jwtauth.ErrInvalidConfig)
	}
	if err := redisx.CheckPrefix(cfg.Prefix); err != nil {
		return nil, fmt.Errorf("%w: redisrevoker.Config.Prefix: %w", jwtauth.ErrInvalidConfig, err)
	}
	if err := checkDurability(cfg); err != nil {
		return nil, err
	}
	r := &Revoker{
		redis:       redisx.NewCaller(cfg.Client, 0), // the Authenticator bounds every call
		prefix:      cmp.Or(cfg.Prefix, DefaultPrefix),
		replicas:    cfg.Replicas,
		replicaWait: cfg.ReplicaTimeout,
		acceptFewer: cfg.AcceptFewerReplicas,
		log:         cmp.Or(cfg.Logger, slog.Default()),
		now:         cfg.Now,
	}
	r.events = cfg.Events
	if r.events == nil {
		r.events = secevent.NewLogSink(r.log)
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.setEpochKeys()
	return r, nil
}

// keys returns the token key, the subject key and, when fid is not empty,
// the family key; see [Revoker.keySet].
func (r *Revoker) keys(iss, sub, jti, fid string) (tok, subj, fam string) {
	tok, subj, fam, _ = r.subjectKeys(iss, sub, jti, fid)
	return tok, subj, fam
}

// keySet returns a subject's keys and the epoch key of its bucket, all in
// the slot of the bucket's hash tag:
//
//	<prefix>:<digest(s, iss, sub)>{<bucket>}:t:<digest(t, iss, jti)>
//	<prefix>:<digest(s, iss, sub)>{<bucket>}:nbf
//	<prefix>:<digest(s, iss, sub)>{<bucket>}:f:<digest(f, iss, fid)>
//	<prefix>:epoch{<bucket>}
//
// The bucket is the subject digest's first ten bits, in three hex digits
// (see epoch.go). The family key is empty when fid is.
func (r *Revoker) keySet(iss, sub, jti, fid string) (tok, subj, fam, epoch string) {
	tok, subj, fam, bucket := r.subjectKeys(iss, sub, jti, fid)
	return tok, subj, fam, r.epochKeysAll[bucket]
}

// subjectKeys is [Revoker.keySet] with the bucket's number in place of
// its epoch key, which New built once.
func (r *Revoker) subjectKeys(iss, sub, jti, fid string) (tok, subj, fam string, bucket int) {
	// The keys are built in one buffer and cut from one string: one
	// allocation for all of them.
	var buf [320]byte
	b := append(buf[:0], r.prefix...)
	b = append(b, ':')
	d := len(b)
	b = redisx.AppendDigest(b, "s", iss, sub)
	bucket = redisx.Bucket(b[d:])
	tag := redisx.BucketTag(bucket)
	b = append(b, '{')
	b = append(b, tag[:]...)
	b = append(b, "}:"...)
	base := len(b)
	b = append(b, "t:"...)
	b = redisx.AppendDigest(b, "t", iss, jti)
	n := len(b)
	b = append(b, b[:base]...)
	b = append(b, "nbf"...)
	m := len(b)
	if fid != "" {
		b = append(b, b[:base]...)
		b = append(b, "f:"...)
		b = redisx.AppendDigest(b, "f", iss, fid)
	}
	s := string(b)
	return s[:n], s[n:m], s[m:], bucket
}

// RevokeToken implements [jwtauth.Revoker] with SET ... PXAT until.
func (r *Revoker) RevokeToken(ctx context.Context, c jwtauth.Claims, until time.Time) error {
	if c.ID == "" {
		return fmt.Errorf("%w: no jti", jwtauth.ErrInvalidClaims)
	}
	tok, _, _ := r.keys(c.Issuer, c.Subject, c.ID, "")
	return r.setUntil(ctx, tok, until)
}

// setUntil writes a deny record, key = "1" expiring at until: the write
// of token and family revocations.
func (r *Revoker) setUntil(ctx context.Context, key string, until time.Time) error {
	// Round up to the millisecond: Redis must not forget before until.
	until = until.Add(time.Millisecond - 1).Truncate(time.Millisecond)
	return r.write(ctx, key, "set", key, "1", "pxat", until.UnixMilli())
}

// RevokeSubject implements [jwtauth.Revoker]; the not-before is stored in
// Unix seconds and only ever raised.
func (r *Revoker) RevokeSubject(ctx context.Context, issuer, subject string, before, until time.Time) error {
	_, subj, _ := r.keys(issuer, subject, "", "")
	sec := before.Unix()
	if before.After(time.Unix(sec, 0)) {
		sec++ // round up: refuse the whole second
	}
	return r.write(ctx, subj, "eval", redisx.RaiseScript, 1, subj, sec, until.UnixMilli())
}

var (
	errReply   = errors.New("redisrevoker: unexpected MGET reply")
	errCorrupt = errors.New("redisrevoker: corrupt subject record")
)

// mget holds the arguments of the check's MGET in one allocation. Each
// key goes in as a *string, which go-redis writes and routes as it does
// the string (boxing a pointer allocates nothing; boxing a string
// would, once per key); a hook printing the command shows the
// pointers, not the keys, which hold only digests anyway.
type mget struct {
	keys [3]string
	argv [5]any
}

// args returns MGET tok subj epoch [fam], with epoch already boxed.
func (m *mget) args(tok, subj, fam string, epoch any) []any {
	m.keys = [3]string{tok, subj, fam}
	m.argv = [5]any{"mget", &m.keys[0], &m.keys[1], epoch, &m.keys[2]}
	if fam == "" {
		return m.argv[:4]
	}
	return m.argv[:]
}

// Revoked implements [jwtauth.Revoker] with one MGET of the token and
// subject records, the bucket's epoch marker, and the family record when
// c.Family is set.
func (r *Revoker) Revoked(ctx context.Context, c jwtauth.Claims) (bool, error) {
	tok, subj, fam, bucket := r.subjectKeys(c.Issuer, c.Subject, c.ID, c.Family)
	args := new(mget).args(tok, subj, fam, r.epochArgs[bucket])
	// The command go-redis's own MGet sends, read by the same reply
	// parser, and sent without a callback.
	cmd := redis.NewSliceCmd(ctx, args...)
	if err := redisx.Process(ctx, r.redis, cmd); err != nil {
		r.reloadLayout(ctx)
		return false, err
	}
	vals := cmd.Val()
	if len(vals) != len(args)-1 {
		return false, errReply
	}
	if vals[0] != nil || len(vals) == 4 && vals[3] != nil {
		return true, nil
	}
	if lost, err := r.checkEpoch(ctx, vals[2], c.IssuedAt); lost || err != nil {
		return lost, err
	}
	if s, ok := vals[1].(string); ok {
		nbf, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return false, errCorrupt
		}
		return c.IssuedAt.Unix() < nbf, nil
	}
	return false, nil
}
