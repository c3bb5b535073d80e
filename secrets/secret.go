package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Redacted replaces secret values wherever a value would be printed.
const Redacted = "[REDACTED]"

// Secret is one version of a secret as Secrets Manager returned it.
//
// A Secret never prints its value: String, GoString, Format (every fmt verb)
// and LogValue show the id, version and stages with the value redacted, and
// it marshals to JSON the same way. Read the value with [Secret.Value],
// [Secret.Bytes] or [Secret.Decode]. The zero Secret is empty. A Secret is
// immutable and safe for concurrent use.
type Secret struct {
	// p holds everything behind one pointer: a Secret is one word to
	// return and copy, and even fmt's reflection fallbacks (such as a
	// wrong %p verb, which skips Format) print an address, not a field.
	p *version
}

// version is what a Secret holds. It is never modified once built.
type version struct {
	id        string
	name      string
	arn       string
	versionID string
	stages    []string
	created   time.Time
	value     string
	binary    bool
}

// data returns what s holds; for the zero Secret, an empty version.
func (s Secret) data() *version {
	if s.p == nil {
		return new(version)
	}
	return s.p
}

// ID is the secret id the value was requested with (a name or an ARN).
func (s Secret) ID() string { return s.data().id }

// Name is the secret's friendly name, as Secrets Manager reported it.
func (s Secret) Name() string { return s.data().name }

// ARN is the secret's ARN, as Secrets Manager reported it.
func (s Secret) ARN() string { return s.data().arn }

// VersionID is the id of this version of the secret. It changes when the
// secret is rotated or updated, so comparing it tells whether a refresh
// brought a new value.
func (s Secret) VersionID() string { return s.data().versionID }

// Stages lists the staging labels attached to this version when it was
// fetched, such as AWSCURRENT. The slice is a copy.
func (s Secret) Stages() []string { return slices.Clone(s.data().stages) }

// CreatedDate is when this version was created.
func (s Secret) CreatedDate() time.Time { return s.data().created }

// IsBinary reports whether the secret was stored as SecretBinary rather
// than SecretString.
func (s Secret) IsBinary() bool { return s.data().binary }

// Value returns the secret: SecretString, or the bytes of SecretBinary.
// Keep it out of logs and errors.
func (s Secret) Value() string { return s.data().value }

// Bytes returns a copy of the secret's bytes (see [Secret.Value]). The
// caller may overwrite it when done.
func (s Secret) Bytes() []byte {
	if s.p == nil {
		return nil
	}
	return []byte(s.p.value)
}

// Decode unmarshals the secret's value, which must be JSON, into v, as
// json.Unmarshal does. Errors wrap [ErrDecode] (or [ErrInvalidCredentials]
// for a [DBCredentials]) and name the offset or field at fault, never the
// value.
func (s Secret) Decode(v any) error {
	return decodeJSON(s.ID(), []byte(s.Value()), v)
}

// String describes the secret with its value redacted.
func (s Secret) String() string {
	d := s.data()
	var b strings.Builder
	b.WriteString("secrets.Secret{ID: ")
	b.WriteString(strconv.Quote(d.id))
	b.WriteString(", VersionID: ")
	b.WriteString(strconv.Quote(d.versionID))
	b.WriteString(", Stages: [")
	b.WriteString(strings.Join(d.stages, " "))
	b.WriteString("], Value: " + Redacted + "}")
	return b.String()
}

// GoString is [Secret.String], so %#v redacts too.
func (s Secret) GoString() string { return s.String() }

// Format prints [Secret.String] for every verb, so no fmt verb can reach the
// value through reflection.
func (s Secret) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue logs the id, version and stages, with the value redacted.
func (s Secret) LogValue() slog.Value {
	d := s.data()
	return slog.GroupValue(
		slog.String("id", d.id),
		slog.String("version_id", d.versionID),
		slog.Any("stages", d.stages),
		slog.String("value", Redacted),
	)
}

// MarshalJSON writes the same fields as LogValue, with the value redacted.
func (s Secret) MarshalJSON() ([]byte, error) {
	d := s.data()
	return json.Marshal(struct {
		ID        string   `json:"id"`
		VersionID string   `json:"version_id"`
		Stages    []string `json:"stages"`
		Value     string   `json:"value"`
	}{d.id, d.versionID, d.stages, Redacted})
}

// GetJSON gets the current version of the secret id from c and decodes its
// JSON value into a T. Use [DBCredentials] for an RDS secret:
//
//	creds, err := secrets.GetJSON[secrets.DBCredentials](ctx, cache, "prod/db")
//
// Errors are those of [Cache.Get] and [Secret.Decode].
func GetJSON[T any](ctx context.Context, c *Cache, id string) (T, error) {
	var v T
	s, err := c.Get(ctx, id)
	if err != nil {
		return v, err
	}
	err = s.Decode(&v)
	return v, err
}

// decodeJSON unmarshals data into v and rewrites the error so that it
// cannot carry any part of data: encoding/json's messages quote offending
// characters and numbers.
func decodeJSON(id string, data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		inv    *json.InvalidUnmarshalError
	)
	switch {
	case errors.Is(err, ErrInvalidCredentials):
		return fmt.Errorf("%w: secret %q: %w", ErrDecode, id, err)
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: secret %q: invalid JSON at offset %d", ErrDecode, id, syntax.Offset)
	case errors.As(err, &typ):
		where := typ.Field
		if where == "" {
			where = "value"
		}
		return fmt.Errorf("%w: secret %q: %s: cannot unmarshal JSON into %s", ErrDecode, id, where, typ.Type)
	case errors.As(err, &inv):
		return fmt.Errorf("%w: secret %q: %w", ErrDecode, id, err)
	default:
		// An UnmarshalJSON method of the caller's type failed; its message
		// might quote the value, so only its type is kept.
		return fmt.Errorf("%w: secret %q: %T failed", ErrDecode, id, err)
	}
}

// secretFrom builds the Secret for id from a GetSecretValue answer.
func secretFrom(id string, out *secretsmanager.GetSecretValueOutput) Secret {
	v := &version{
		id:        id,
		name:      aws.ToString(out.Name),
		arn:       aws.ToString(out.ARN),
		versionID: aws.ToString(out.VersionId),
		stages:    append([]string(nil), out.VersionStages...),
		created:   aws.ToTime(out.CreatedDate),
	}
	switch {
	case out.SecretString != nil:
		v.value = *out.SecretString
	case out.SecretBinary != nil:
		v.value, v.binary = string(out.SecretBinary), true
	}
	return Secret{p: v}
}
