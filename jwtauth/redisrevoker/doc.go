// Package redisrevoker keeps jwtauth revocations in Redis, shared by every
// instance of a service.
//
// It is a package of its own so that a service using
// [jwtauth.MemoryRevoker], or no revoker, links no go-redis code: importing
// jwtauth alone adds none of go-redis's packages to a binary.
//
// # Use
//
//	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
//	rev, err := redisrevoker.New(redisrevoker.Config{Client: rdb, Replicas: 1})
//	if err != nil { ... }
//	auth, err := jwtauth.New(jwtauth.Config{Keys: keys, Revoker: rev})
//
// Give the client short dial and retry settings and ContextTimeoutEnabled:
// Config.RevocationTimeout bounds each check either way, but only a client
// that honours its context frees the connection at the deadline (and runs
// the command without a helper goroutine).
//
// # Security model
//
// A revocation the caller was told succeeded stays a revocation, or the
// tokens it refused are refused by other means:
//
//   - Durable writes. With Config.Replicas, a revocation is reported done
//     only once that many replicas have it (WAIT), so a failover cannot
//     take it back; if they do not answer in time the revocation fails
//     with [ErrNotDurable] (or, with Config.AcceptFewerReplicas, is
//     reported done and logged).
//   - Data-loss detection. Every check reads, in the same MGET, an epoch
//     marker that a restart without the data, a failover to a replica
//     without it, a flush or an eviction removes. A missing marker
//     refuses the token, recreates the markers with a not-before of now,
//     so every token issued before the loss is refused and users log in
//     again, and is reported as a [secevent.SysDependencyFail] event
//     (reason "revocation_store_lost") at level Critical.
//   - Fail closed. A store that cannot be reached refuses tokens unless
//     the Authenticator is configured to fail open.
//
// Keys hold digests, never a token, subject or token id. A subject's
// records and its bucket's marker share one hash tag, so each check is one
// MGET on one node and on Redis Cluster alike.
//
// # What survives, per deployment
//
//   - A single node without persistence: a restart loses every record and
//     marker. The loss is detected at the first check after the restart;
//     every token issued before then is refused.
//   - A single node with an append-only file: appendfsync always loses
//     nothing acknowledged. With everysec (the usual setting) a crash can
//     lose the last second of revocations, with the markers intact, so
//     the loss is not detected: the tokens logged out in that second come
//     back. Use appendfsync always, or a replica with Replicas: 1, if that
//     second matters. RDB snapshots alone: a restart with the snapshot
//     keeps its markers and loses what came after it; call
//     [Revoker.RevokeAll] after restoring one.
//   - A replicated ElastiCache group (or Redis Cluster, or Sentinel) with
//     Replicas: 1: a failover keeps every revocation reported done. With
//     Replicas: 0, replication is asynchronous and a failover can lose the
//     last revocations (usually the last milliseconds), undetected. A
//     shard restarted without a replica is detected as above, for the
//     subjects of its slots only. With a Cluster client, a check that
//     Redis did not answer asks the client to reload its slot map (at
//     most once a second), so checks reach a promoted replica within
//     seconds instead of at go-redis's next periodic reload (60 s).
//   - ElastiCache Serverless replicates across Availability Zones and
//     replaces failed nodes itself, but AWS states no bound on the writes
//     a failure may lose. A loss of the markers is detected; the loss of
//     only the last writes is not. Treat it as a replicated group.
//
// Whatever the deployment, evicting a revocation record loses it without
// a trace: run the revocation store with maxmemory-policy noeviction
// (ElastiCache's default is volatile-lru, which evicts keys with an
// expiry, which all revocations have), so that a full store fails writes
// instead of forgetting them.
//
// # What the caller still does
//
// Point the client at the primary (see [Revoker] on replica reads), set
// Config.Replicas on a replicated deployment, set noeviction, answer a
// failed logout as failed (the client may retry: revocations are
// idempotent), and call [Revoker.RevokeAll] after restoring Redis from a
// backup or when a signing key leaks.
package redisrevoker
