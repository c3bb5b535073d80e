package password

import "errors"

// ErrPasswordTooLong is returned by [Hasher.Hash] and [Hasher.Verify] when
// the password is longer than [Hasher.MaxPasswordBytes] (checked before any
// hashing work), and by [Hasher.Verify] when the stored hash is bcrypt and
// the password is longer than bcrypt's 72 bytes, which bcrypt would
// otherwise silently truncate. Always wrapped; use errors.Is.
var ErrPasswordTooLong = errors.New("password: password too long")

// ErrMalformedHash is returned by [Hasher.Verify] when the encoded hash is
// not a well-formed PHC argon2 string or bcrypt hash: wrong field count,
// bad number, bad base64, or a salt or key of a length outside the accepted
// range. Always wrapped; use errors.Is.
var ErrMalformedHash = errors.New("password: malformed hash")

// ErrUnsupportedHash is returned by [Hasher.Verify] when the encoded hash
// names a scheme or argon2 version this package does not verify.
// Always wrapped; use errors.Is.
var ErrUnsupportedHash = errors.New("password: unsupported hash scheme")

// ErrHashTooExpensive is returned by [Hasher.Verify] when the encoded hash
// asks for more work than the package will ever do (argon2 memory over
// 256 MiB, time or parallelism over 16, bcrypt cost over 16) or more than
// eight times the Hasher's own argon2 work (Memory × Time). It is refused
// before any memory is allocated, so a tampered row cannot exhaust the
// function. Always wrapped; use errors.Is.
var ErrHashTooExpensive = errors.New("password: hash parameters exceed limits")

// ErrInvalidHasher is returned by [Hasher.Hash] and [Hasher.Verify] when
// the Hasher's fields are out of range or weaker than the OWASP minimum
// for argon2id (see [Hasher]). It catches, for example, Memory set in MiB instead of KiB.
// Always wrapped; use errors.Is.
var ErrInvalidHasher = errors.New("password: invalid hasher parameters")

// ErrInvalidPolicy is returned by [Policy.Check] and [Policy.CheckOnline]
// when the Policy itself is inconsistent (a negative length, or MaxLength
// below MinLength). The check fails closed. Always wrapped; use errors.Is.
var ErrInvalidPolicy = errors.New("password: invalid policy")

// ErrBreachUnavailable is returned by [HIBP.Breached] and
// [Policy.CheckOnline] when the breach service could not give an answer
// (network error, deadline, unexpected status, a redirect off https, or
// a malformed, empty or oversized response) and the checker fails
// closed, and by an HIBP that [NewHIBP] did not make. Always wrapped; use
// errors.Is.
var ErrBreachUnavailable = errors.New("password: breach check unavailable")

// ErrInvalidConfig is returned by [NewHIBP] for a bad [HIBPConfig].
// Always wrapped; use errors.Is.
var ErrInvalidConfig = errors.New("password: invalid config")
