package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/lambdasec/lambdasec/secevent"
)

// LossPolicy is what [Attempts] assumes about a key whose failures Redis
// lost: how many of its Max failures each key counts as used for one
// Window after the loss is detected. See "What survives when Redis loses
// data" in the package documentation.
type LossPolicy int

const (
	// AssumeHalfUsed, the zero value, counts half of Max (rounded up) as
	// used by every key of a bucket whose data was lost, for one Window:
	// a loss gives an attacker at most Max/2 (rounded down) extra
	// guesses per key, 5 by default instead of 10, and an account's owner
	// can still log in at once.
	AssumeHalfUsed LossPolicy = iota
	// AssumeAllUsed counts all of Max as used: a loss gives no extra
	// guess, and every account of a lost bucket (all of them after a
	// restart) is refused until one Window has passed since the loss.
	AssumeAllUsed
	// AssumeNoneUsed counts nothing as used: a loss is detected and
	// reported, and each key starts again with Max guesses, the
	// behaviour of a store that does not detect losses.
	AssumeNoneUsed
)

func (p LossPolicy) String() string {
	switch p {
	case AssumeHalfUsed:
		return "AssumeHalfUsed"
	case AssumeAllUsed:
		return "AssumeAllUsed"
	case AssumeNoneUsed:
		return "AssumeNoneUsed"
	}
	return fmt.Sprintf("LossPolicy(%d)", int(p))
}

// assumed returns how many failures p counts as used after a loss, out of
// max.
func (p LossPolicy) assumed(max int) int {
	switch p {
	case AssumeAllUsed:
		return max
	case AssumeNoneUsed:
		return 0
	}
	return (max + 1) / 2
}

// markerState is what the attempts script found of a bucket's marker.
type markerState int64

const (
	markerFound   markerState = 0 // present: nothing lost since this process last looked
	markerLost    markerState = 1 // missing in a bucket this process had seen: a loss
	markerCreated markerState = 2 // missing in a bucket this process had never seen
)

// bucketSet remembers which buckets' markers a process has seen. A
// missing marker is a loss only where it was seen before; elsewhere the
// store may simply be new.
type bucketSet [redisx.Buckets / 64]atomic.Uint64

func (s *bucketSet) has(b int) bool { return s[b/64].Load()&(1<<(b%64)) != 0 }

func (s *bucketSet) add(b int) {
	if !s.has(b) {
		s[b/64].Or(1 << (b % 64))
	}
}

// reportLoss logs a detected loss and reports it as a critical
// sys_dependency_fail event (reason "ratelimit_store_lost"), at most once
// per 10 s: a restart is detected once per bucket, up to 1,024 times.
func (a *Attempts) reportLoss(ctx context.Context) {
	ok, suppressed := a.lossGate.admit(a.now())
	if !ok {
		return
	}
	attrs := []slog.Attr{slog.String("after_loss", a.afterLoss.String())}
	if suppressed > 0 {
		attrs = append(attrs, slog.Int64("suppressed", suppressed))
	}
	a.log.LogAttrs(ctx, slog.LevelError,
		"ratelimit: the store lost failed-login state; lost keys count as used per AfterLoss for one window", attrs...)
	secevent.Emit(ctx, a.events, secevent.Event{Name: secevent.SysDependencyFail, Level: secevent.LevelCritical,
		Reason: "ratelimit_store_lost", Attrs: attrs})
}
