package password

import (
	"context"
	"errors"

	"github.com/lambdasec/lambdasec/secevent"
)

// reportStoredHash sends the security event of a stored hash that Verify
// refused (err wraps ErrMalformedHash, ErrUnsupportedHash or
// ErrHashTooExpensive) to Hasher.Events.
func (h *Hasher) reportStoredHash(ctx context.Context, err error) {
	reason := "stored_hash_malformed"
	switch {
	case errors.Is(err, ErrHashTooExpensive):
		reason = "stored_hash_too_expensive"
	case errors.Is(err, ErrUnsupportedHash):
		reason = "stored_hash_unsupported"
	}
	if h.Events == nil {
		return
	}
	// Record directly rather than through secevent.Emit: the event holds
	// only constants, so it needs no cleaning, and a program that uses
	// password alone does not link the cleaning's regular expressions.
	// Like Emit, a panicking sink must not break Verify.
	defer func() { _ = recover() }()
	h.Events.Record(ctx, secevent.Event{
		Name:   secevent.SysDependencyFail,
		Level:  secevent.SysDependencyFail.Level(),
		Reason: reason,
	})
}
