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
	secevent.Emit(ctx, h.Events, secevent.Event{Name: secevent.SysDependencyFail, Reason: reason})
}
