// Package ratelimit limits requests per client address, per user and per
// account, with the counters shared through Redis so that the limit holds
// across every AWS Lambda execution environment of a service.
//
// API Gateway's stage throttle is one bucket for all clients, and a counter
// in process memory limits nothing when Lambda runs the service in many
// isolated environments. A [Limiter] keeps its counters in Redis (a single
// node, ElastiCache, or Redis Cluster) with the generic cell rate algorithm
// (the one github.com/go-redis/redis_rate runs, in one script of its own
// that answers in integers); [Attempts] keeps a failed-login log
// per account. Without a Redis client both fall back to an in-process store
// for tests and single servers.
//
// # Per-IP and per-user limits
//
// The zero [Config] is the per-IP rate of the usual AWS WAF rule, 2,000
// requests per 5 minutes per address. Unlike WAF, which counts requests
// in a window, the algorithm allows a burst (Config.Burst, by default the
// rate) on top of the steady rate, so one address can make up to 3,999
// requests in a 5-minute window after a quiet spell; lower Burst for a
// tighter cap:
//
//	perIP, err := ratelimit.New(ratelimit.Config{Redis: rdb})
//	...
//	http.ListenAndServe(addr, perIP.Handler(mux))
//
// A request under the limit reaches the next handler with the RateLimit-Policy
// and RateLimit fields of the IETF httpapi draft telling the client what it
// has left. A request over the limit gets 429 Too Many Requests with
// Retry-After (seconds) and an RFC 9457 problem+json body. For a per-user
// limit, set Config.Key to [UserKey] with a function that reads the user
// from the request context, and put the limiter after the authentication
// middleware.
//
// # Which address is the client's
//
// [Limiter.ClientIP] reads the request's RemoteAddr. On a server that is
// the connection's remote address. On Lambda it is whatever the code that
// turns the event into an *http.Request put there: Lambda adapters (such
// as package lambdahttp) set it to the source IP that API Gateway or
// the Function URL service measured, which the client cannot write
// (headers, X-Forwarded-For and X-GoLambdaProxy-* included, it can). This package reads nothing from the Lambda event itself, so a
// service that is not on Lambda links no Lambda code. Do not put a
// middleware that rewrites RemoteAddr from headers in front of a limiter.
//
// X-Forwarded-For is a header anyone can write, so it is ignored unless
// Config.TrustedProxies lists the proxy that connected to the service;
// then its entries are read from the right and the first one not written
// by a trusted proxy is the client. Behind an Application Load Balancer
// the caller is the last entry, which the load balancer appends itself:
// list the load balancer's subnets in TrustedProxies (a Lambda adapter for
// ALB events may already have put that entry in RemoteAddr). IPv6 clients
// are counted per /64.
//
// # Failed logins
//
// [Attempts] implements the failed-attempt limit of NIST SP 800-63B:
//
//	if _, err := guard.Allow(ctx, account); err != nil {
//		ratelimit.WriteError(w, r, err) // 429 with Retry-After, or 503
//		return
//	}
//	if !passwordOK {
//		guard.Fail(ctx, account)
//		...
//	}
//	guard.Reset(ctx, account)
//
// By default 10 failures per 15 minutes per key are allowed; then the key
// is refused, even with the right password, until the oldest failure is 15
// minutes old. [Attempts.Allow] records the attempt it admits as a
// failure before the password is checked, and only [Attempts.Reset] (the
// password was right) or [Attempts.Cancel] (it could not be checked) takes
// it back: a burst of concurrent guesses cannot
// all pass before the first failure is recorded, and a Fail lost to a slow
// or failing Redis loses no guess. Choosing the key (account, account and
// address, or both with two guards) trades locking out a victim against
// slowing an attacker; see [Attempts.Allow].
//
// # When Redis fails
//
// Each check is bounded by Config.Timeout (50 ms by default) whatever the
// go-redis client's own timeouts are. When Redis fails or times out, a
// [Limiter] lets the request through by default ([FailOpen]): throttling
// should not turn a Redis outage into an outage of the service. [Attempts]
// refuses by default ([FailClosed], 503): the login guard is a security
// control, and an attacker must not be able to switch it off by loading
// Redis. Both log the failure through Config.Logger, at most one line per
// 10 seconds. Set ContextTimeoutEnabled on the go-redis client so that it
// stops at the deadline too, and keep its MaxRetries low. With a Cluster
// client, a call that Redis did not answer asks the client to reload its
// slot map (at most once a second): after a master fails over, checks
// reach the promoted replica within seconds of the promotion, where
// go-redis alone would keep dialling the dead master until its next
// periodic reload (ClusterStateReloadInterval, 60 s by default).
//
// # Redis keys
//
// A [Limiter] check touches one key, and an [Attempts] call touches a key
// and its bucket's loss marker, which share a {hash tag}: on Redis Cluster
// each call touches one slot. Keys are the prefix followed by a digest of
// the caller's key, so account names and e-mail addresses are not stored
// in Redis, and a crafted name cannot choose its cluster slot. Keys expire
// on their own once their state no longer matters; the loss markers (at
// most 1,024 per prefix, a few bytes each) do not, as a marker that
// expired would read as a loss. Each script runs atomically and is
// replicated by its effects, so a replica or an append-only file never
// holds half of a check. Redis 5 or later is needed (scripts read the TIME
// before they write).
//
// # What survives when Redis loses data
//
// A key that is gone reads as a key never used, and writes are not waited
// for on replicas (a WAIT per login attempt would cost more than the bound
// below is worth). What a loss costs, per lost key:
//
//   - A [Limiter] key starts again with a full burst: up to Burst more
//     requests at once, then the steady rate. Limiter keys carry no loss
//     marker: a burst is what a limiter already allows.
//   - An [Attempts] key is detected as lost and counts part of its
//     failures as used. Keys are spread over 1,024 buckets, each with a
//     marker that never expires; a process that finds the marker of a
//     bucket it has seen missing records the time of the loss in a new
//     marker, logs it and reports a critical sys_dependency_fail event
//     (reason "ratelimit_store_lost", at most one per 10 s). For one
//     Window after that, every key of the bucket starts with the failures
//     AttemptsConfig.AfterLoss assumes: half of Max, rounded up, by
//     default. So a detected loss gives an attacker at most Max/2 more
//     guesses per key, rounded down (5 by default): in any Window around
//     one loss a key takes at most Max + Max/2 guesses (15), and with k
//     losses Max + k x Max/2. [AssumeAllUsed] gives none, at the price of
//     refusing every account of the lost buckets (all of them after a
//     restart) until one Window has passed; [AssumeNoneUsed] gives Max, as
//     if nothing were detected. A successful login clears failures, not
//     assumed ones. Logins are refused (503) while Redis is unreachable,
//     so an outage alone gives nothing.
//
// A loss is not detected, and then costs up to Max more guesses per key,
// when the marker survives the keys (an eviction under a maxmemory
// policy, the last second of an append-only file with appendfsync
// everysec, a failover to a replica that had the marker but not the last
// writes), or when the only processes that touch a bucket after the loss
// had never seen its marker: they cannot tell a lost bucket from a new
// store, and the marker they create hides the loss from the others. The
// in-process store loses every key when the process restarts, unseen.
//
// Which keys are lost depends on the deployment:
//
//   - A single node without persistence (redis-server's default, a cache
//     node without replicas): a restart loses every key and every marker;
//     detected by every process that had seen the buckets.
//   - With an append-only file: appendfsync always loses nothing that was
//     acknowledged; everysec (the usual setting) loses at most the last
//     second of writes, undetected, so at most the guesses admitted in that
//     second. RDB snapshots alone lose what was written since the last
//     one, undetected when the markers were in the snapshot.
//   - A replicated ElastiCache group with automatic failover: replication
//     is asynchronous, so a failover loses what the replica had not yet
//     received, usually the last milliseconds of writes, undetected; a node
//     restarted without a replica loses its keys and markers, detected. In
//     Redis Cluster mode each shard fails on its own, so one shard's loss
//     touches only the keys of its slots.
//   - ElastiCache Serverless replicates across Availability Zones and
//     replaces failed nodes itself; AWS states no bound on the writes a
//     failure may lose, so count on the replicated case: the last writes
//     before a failure may be gone, undetected.
//
// Changing the Prefix, or upgrading across a change of the key format,
// counts as one undetected loss of every key. Where Max + Max/2 guesses
// per Window would be too many, lower Max or choose [AssumeAllUsed].
//
// # What the caller still does
//
// Create one Limiter per policy at start-up (outside the Lambda handler) and
// reuse it. Give limiters that count different things different names.
// List CloudFront's or your load balancer's addresses in TrustedProxies if
// they stand in front of the service. Choose the login guard's keys, and
// answer a refused login exactly as a refused password would be answered
// apart from the status, so the response does not tell an attacker whether
// the account exists.
package ratelimit
