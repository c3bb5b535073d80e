package jwtauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// payload returns the standard claim set at t0, changed by mods:
// "name=raw" sets a member to raw JSON, "-name" removes it, "+raw" appends
// raw text as is (for duplicates).
func payload(mods ...string) string {
	names := []string{"iss", "sub", "aud", "iat", "nbf", "exp", "jti"}
	vals := map[string]string{
		"iss": `"trialbalance"`, "sub": `"alice"`, "aud": `"trialbalance-api"`,
		"iat": fmt.Sprint(t0.Unix()), "nbf": fmt.Sprint(t0.Unix()),
		"exp": fmt.Sprint(t0.Add(15 * time.Minute).Unix()), "jti": `"id-1"`,
	}
	var extra []string
	for _, m := range mods {
		switch {
		case strings.HasPrefix(m, "-"):
			delete(vals, m[1:])
		case strings.HasPrefix(m, "+"):
			extra = append(extra, m[1:])
		default:
			n, v, _ := strings.Cut(m, "=")
			if _, ok := vals[n]; !ok {
				names = append(names, n)
			}
			vals[n] = v
		}
	}
	var parts []string
	for _, n := range names {
		if v, ok := vals[n]; ok {
			parts = append(parts, fmt.Sprintf("%q:%s", n, v))
		}
	}
	return "{" + strings.Join(append(parts, extra...), ",") + "}"
}

// flipLastBits changes the unused low bits of a segment's last base64url
// character, giving a non-canonical spelling of the same bytes.
func flipLastBits(seg string) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alpha, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(alpha[last^1])
}

func malleateES256(t *testing.T, token string) string {
	t.Helper()
	i := strings.LastIndexByte(token, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(token[i+1:])
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(elliptic.P256().Params().N, s)
	out := make([]byte, 64)
	copy(out, sig[:32])
	s.FillBytes(out[32:])
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(out)
}

// TestAttacks replays known attacks on JWT verifiers; each case names its
// CVE or RFC rule where it has one. All run against one Authenticator
// holding an HS256, an ES256, an RS256, a PS256 and an EdDSA key. Weak
// keys are in TestKeyValidation; revocation attacks (a kid flood costing
// store I/O, logout everywhere, a failing store) in revoker_test.go,
// redisrevoker and internal/revokertest. A re-encoded revoked token cannot
// exist: every non-canonical spelling, and high-S ECDSA, is refused here.
// A JWK's use and key_ops have no counterpart here, since keys come from
// the KeySource, never from a token; TestWycheproof applies those rules in
// its JWK loader.
func TestAttacks(t *testing.T) {
	f := fixtures()
	clk := newClock()
	a := mustAuth(t, testConfig(clk, hsKey(), esKey(), rsKey(), psKey(), edKey()))
	good := forge(t, hsKey(), hdr("HS256", "hs"), payload())
	esGood := forge(t, esKey(), hdr("ES256", "es"), payload())
	pubDER, _ := x509.MarshalPKIXPublicKey(&f.rsa.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	ecPubDER, _ := x509.MarshalPKIXPublicKey(&f.ec.PublicKey)
	macWith := func(secret []byte, header string) string {
		in := b64(header) + "." + b64(payload())
		sig, _ := jwt.SigningMethodHS256.Sign(in, secret)
		return in + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	attackerES := Key{ID: "es", Algorithm: ES256, PrivateKey: f.ec2}
	xy, _ := f.ec2.PublicKey.Bytes() // 0x04 || x || y
	attackerJWK := fmt.Sprintf(`{"alg":"ES256","typ":"JWT","jwk":{"kty":"EC","crv":"P-256","x":%q,"y":%q}}`,
		base64.RawURLEncoding.EncodeToString(xy[1:33]), base64.RawURLEncoding.EncodeToString(xy[33:]))
	h, p, s := splitT(good)
	pssSaltChanged := func() string {
		in := b64(hdr("PS256", "ps")) + "." + b64(payload())
		d := sha256.Sum256([]byte(in))
		sig, err := rsa.SignPSS(rand.Reader, f.rsa, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: 20})
		if err != nil {
			t.Fatal(err)
		}
		return in + "." + base64.RawURLEncoding.EncodeToString(sig)
	}()
	deep := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)

	tests := []struct {
		name  string
		token string
		want  error // nil: accepted
	}{
		{"valid HS256", good, nil},
		{"valid ES256", esGood, nil},
		{"valid RS256", forge(t, rsKey(), hdr("RS256", "rs"), payload()), nil},
		{"valid PS256", forge(t, psKey(), hdr("PS256", "ps"), payload()), nil},
		{"valid EdDSA", forge(t, edKey(), hdr("EdDSA", "ed"), payload()), nil},
		{"bad signature", h + "." + p + "." + b64("0123456789abcdef0123456789abcdef"), ErrSignatureInvalid},
		// CVE-2015-2951: alg none with an empty or any signature.
		{"alg none empty sig", b64(`{"alg":"none","typ":"JWT"}`) + "." + p + ".", ErrTokenMalformed},
		{"alg none with sig", b64(`{"alg":"none","typ":"JWT"}`) + "." + p + "." + s, ErrAlgorithm},
		// Other casings of none.
		{"alg None", b64(`{"alg":"None","typ":"JWT"}`) + "." + p + "." + s, ErrAlgorithm},
		{"alg NONE", b64(`{"alg":"NONE","typ":"JWT"}`) + "." + p + "." + s, ErrAlgorithm},
		{"alg nOnE", b64(`{"alg":"nOnE","typ":"JWT"}`) + "." + p + "." + s, ErrAlgorithm},
		{"alg missing", b64(`{"typ":"JWT"}`) + "." + p + "." + s, ErrAlgorithm},
		{"alg not a string", b64(`{"alg":1,"typ":"JWT"}`) + "." + p + "." + s, ErrTokenMalformed},
		// CVE-2016-10555: HS256 keyed with the RSA public key PEM.
		{"HS256 with RSA PEM, rs kid", macWith(pubPEM, hdr("HS256", "rs")), ErrAlgorithm},
		// Wycheproof rejectsSymmetryConfusionAttacks: HS256 over EC key bytes.
		{"HS256 with EC key bytes, es kid", macWith(ecPubDER, hdr("HS256", "es")), ErrAlgorithm},
		{"ES256 header selecting the HS key", forge(t, esKey(), hdr("ES256", "hs"), payload()), ErrAlgorithm},
		// CVE-2018-0114: embedded jwk never supplies the key.
		{"embedded jwk", forge(t, Key{ID: "x", Algorithm: ES256, PrivateKey: f.ec2}, attackerJWK, payload()), ErrSignatureInvalid},
		{"embedded jwk with kid", forge(t, attackerES, `{"alg":"ES256","kid":"es","typ":"JWT","jwk":{"kty":"EC"}}`, payload()), ErrSignatureInvalid},
		// jku and x5u are never fetched.
		{"jku to attacker", forge(t, attackerES, `{"alg":"ES256","kid":"es","typ":"JWT","jku":"https://attacker.invalid/jwks"}`, payload()), ErrSignatureInvalid},
		{"x5u to attacker", forge(t, attackerES, `{"alg":"ES256","kid":"es","typ":"JWT","x5u":"https://attacker.invalid/c.pem"}`, payload()), ErrSignatureInvalid},
		// kid is an opaque map key: no path, SQL or empty-name lookups.
		{"kid path traversal", forge(t, hsKey(), hdr("HS256", "../../../../dev/null"), payload()), ErrKeyNotFound},
		{"kid SQL injection", forge(t, hsKey(), hdr("HS256", "x' UNION SELECT 'secret'--"), payload()), ErrKeyNotFound},
		{"kid empty", forge(t, hsKey(), hdr("HS256", ""), payload()), nil}, // hdr omits an empty kid
		{"kid empty string", forge(t, hsKey(), `{"alg":"HS256","kid":"","typ":"JWT"}`, payload()), ErrKeyNotFound},
		{"kid too long", forge(t, hsKey(), hdr("HS256", strings.Repeat("k", 300)), payload()), ErrTokenMalformed},
		// RFC 7515 §4.1.11: unknown or malformed crit rejects.
		{"crit unknown", forge(t, hsKey(), `{"alg":"HS256","kid":"hs","typ":"JWT","crit":["x-ext"],"x-ext":1}`, payload()), ErrCriticalHeader},
		{"crit empty", forge(t, hsKey(), `{"alg":"HS256","kid":"hs","typ":"JWT","crit":[]}`, payload()), ErrCriticalHeader},
		{"crit not array", forge(t, hsKey(), `{"alg":"HS256","kid":"hs","typ":"JWT","crit":"exp"}`, payload()), ErrCriticalHeader},
		{"crit duplicate entries", forge(t, hsKey(), `{"alg":"HS256","kid":"hs","typ":"JWT","crit":["x","x"],"x":1}`, payload()), ErrCriticalHeader},
		{"crit registered name", forge(t, hsKey(), `{"alg":"HS256","kid":"hs","typ":"JWT","crit":["alg"]}`, payload()), ErrCriticalHeader},
		// RFC 7797: b64:false would change what is signed.
		{"b64 false", forge(t, hsKey(), `{"alg":"HS256","kid":"hs","typ":"JWT","crit":["b64"],"b64":false}`, payload()), ErrCriticalHeader},
		{"b64 without crit", forge(t, hsKey(), `{"alg":"HS256","kid":"hs","typ":"JWT","b64":false}`, payload()), ErrCriticalHeader},
		// CVE-2020-28042: empty signature.
		{"empty signature", h + "." + p + ".", ErrTokenMalformed},
		// Segment count.
		{"two segments", h + "." + p, ErrTokenMalformed},
		{"four segments", good + "." + s, ErrTokenMalformed},
		{"trailing dot", good + ".", ErrTokenMalformed},
		{"empty", "", ErrTokenMalformed},
		// Padding.
		{"padded signature", good + "=", ErrTokenMalformed},
		// RFC 4648 §3.5: non-canonical trailing bits.
		{"signature stray bits", h + "." + p + "." + flipLastBits(s), ErrTokenMalformed},
		// CVE-2022-21449: psychic signature r=s=0.
		{"ES256 r=s=0", strings.Join(strings.Split(esGood, ".")[:2], ".") + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 64)), ErrSignatureInvalid},
		{"ES256 DER signature", strings.Join(strings.Split(esGood, ".")[:2], ".") + ".MAYCAQACAQA", ErrSignatureInvalid},
		// (r, n-s) is a valid ECDSA signature of the same token: high S
		// is refused, so each token has one spelling.
		{"ES256 malleated", malleateES256(t, esGood), ErrSignatureInvalid},
		// RFC 7518 §3.5: PSS salt length must equal the hash size.
		{"PS256 salt 20", pssSaltChanged, ErrSignatureInvalid},
		// exp is required.
		{"exp missing", forge(t, hsKey(), hdr("HS256", "hs"), payload("-exp")), ErrClaimMissing},
		// exp in the past, at now, and inside the leeway.
		{"exp past", forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("exp=%d", t0.Add(-time.Hour).Unix()), fmt.Sprintf("iat=%d", t0.Add(-2*time.Hour).Unix()), "-nbf")), ErrTokenExpired},
		{"exp now minus leeway", forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("exp=%d", t0.Add(-30*time.Second).Unix()), "iat=1799990000", "-nbf")), ErrTokenExpired},
		{"exp inside leeway", forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("exp=%d", t0.Add(-29*time.Second).Unix()), "iat=1799990000", "-nbf")), nil},
		// nbf in the future.
		{"nbf future", forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("nbf=%d", t0.Add(time.Minute).Unix()))), ErrTokenNotValidYet},
		{"nbf inside leeway", forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("nbf=%d", t0.Add(30*time.Second).Unix()))), nil},
		// iat in the future.
		{"iat future", forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("iat=%d", t0.Add(time.Minute).Unix()))), ErrTokenNotValidYet},
		// RFC 7519 §2: NumericDate is a JSON number.
		{"exp string", forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf(`exp="%d"`, t0.Add(time.Minute).Unix()))), ErrTokenMalformed},
		{"iat string", forge(t, hsKey(), hdr("HS256", "hs"), payload(`iat="1800000000"`)), ErrTokenMalformed},
		// exp 0 is expired, not absent.
		{"exp zero", forge(t, hsKey(), hdr("HS256", "hs"), payload("exp=0", "-iat", "-nbf")), ErrTokenExpired},
		// jti is a store key: capped like kid.
		{"jti too long", forge(t, hsKey(), hdr("HS256", "hs"), payload(`jti="`+strings.Repeat("j", 257)+`"`)), ErrTokenMalformed},
		{"jti at the cap", forge(t, hsKey(), hdr("HS256", "hs"), payload(`jti="`+strings.Repeat("j", 256)+`"`)), nil},
		// fid names the family whose revocation refuses the token: a
		// non-string or oversized fid is refused, never ignored.
		{"fid", forge(t, hsKey(), hdr("HS256", "hs"), payload(`fid="f-1"`)), nil},
		{"fid number", forge(t, hsKey(), hdr("HS256", "hs"), payload(`fid=1`)), ErrTokenMalformed},
		{"fid too long", forge(t, hsKey(), hdr("HS256", "hs"), payload(`fid="`+strings.Repeat("f", 65)+`"`)), ErrTokenMalformed},
		{"fid name case", forge(t, hsKey(), hdr("HS256", "hs"), payload(`FID="f-1"`)), ErrTokenMalformed},
		// RFC 8259 §6-7: numbers without leading zeros, no raw control
		// characters in strings; encoding/json elsewhere would refuse them.
		{"exp leading zero", forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("exp=0%d", t0.Add(time.Minute).Unix()))), ErrTokenMalformed},
		{"number without digits after point", forge(t, hsKey(), hdr("HS256", "hs"), payload("x=1.")), ErrTokenMalformed},
		{"raw tab in string", forge(t, hsKey(), hdr("HS256", "hs"), payload("x=\"a\tb\"")), ErrTokenMalformed},
		// Absurd NumericDates.
		{"exp 1e20", forge(t, hsKey(), hdr("HS256", "hs"), payload("exp=1e20")), ErrTokenMalformed},
		{"exp year 10000", forge(t, hsKey(), hdr("HS256", "hs"), payload("exp=253402300800")), ErrTokenMalformed},
		{"exp null", forge(t, hsKey(), hdr("HS256", "hs"), payload("exp=null")), ErrTokenMalformed},
		{"exp negative", forge(t, hsKey(), hdr("HS256", "hs"), payload("exp=-1")), ErrTokenMalformed},
		{"exp bool", forge(t, hsKey(), hdr("HS256", "hs"), payload("exp=true")), ErrTokenMalformed},
		{"exp fractional", forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("exp=%d.5", t0.Add(time.Minute).Unix()))), nil},
		// RFC 7519 §4: duplicate members reject.
		{"duplicate exp", forge(t, hsKey(), hdr("HS256", "hs"), payload("exp=1", fmt.Sprintf("+\"exp\":%d", t0.Add(time.Hour).Unix()))), ErrTokenMalformed},
		{"duplicate sub", forge(t, hsKey(), hdr("HS256", "hs"), payload(`+"sub":"admin"`)), ErrTokenMalformed},
		{"duplicate sub escaped", forge(t, hsKey(), hdr("HS256", "hs"), payload(`+"s\u0075b":"admin"`)), ErrTokenMalformed},
		{"duplicate nested", forge(t, hsKey(), hdr("HS256", "hs"), payload(`x={"a":1,"a":2}`)), ErrTokenMalformed},
		// Past 16 members the reader switches from a linear scan to a set;
		// duplicates must still be found there.
		{"duplicate after many members", forge(t, hsKey(), hdr("HS256", "hs"), payload(manyMembers(20), `+"x3":0`)), ErrTokenMalformed},
		{"many members", forge(t, hsKey(), hdr("HS256", "hs"), payload(manyMembers(20))), nil},
		{"duplicate header alg", forge(t, hsKey(), `{"alg":"HS256","kid":"hs","typ":"JWT","alg":"none"}`, payload()), ErrTokenMalformed},
		// encoding/json would read "EXP" as exp; a case variant of a
		// registered claim is refused, so Claims.Decode cannot see it.
		{"claim name case", forge(t, hsKey(), hdr("HS256", "hs"), payload("-exp", fmt.Sprintf("EXP=%d", t0.Add(time.Hour).Unix()))), ErrTokenMalformed},
		{"claim name case beside the claim", forge(t, hsKey(), hdr("HS256", "hs"), payload(`+"Sub":"admin"`)), ErrTokenMalformed},
		{"claim name fold", forge(t, hsKey(), hdr("HS256", "hs"), payload(`+"\u017fub":"admin"`)), ErrTokenMalformed},
		{"header name case", forge(t, hsKey(), `{"ALG":"HS256","kid":"hs","typ":"JWT"}`, payload()), ErrAlgorithm},
		// iss and aud.
		{"wrong iss", forge(t, hsKey(), hdr("HS256", "hs"), payload(`iss="evil"`)), ErrInvalidIssuer},
		{"missing iss", forge(t, hsKey(), hdr("HS256", "hs"), payload("-iss")), ErrClaimMissing},
		{"wrong aud", forge(t, hsKey(), hdr("HS256", "hs"), payload(`aud="other-api"`)), ErrInvalidAudience},
		{"aud array", forge(t, hsKey(), hdr("HS256", "hs"), payload(`aud=["other","trialbalance-api"]`)), nil},
		{"missing aud", forge(t, hsKey(), hdr("HS256", "hs"), payload("-aud")), ErrClaimMissing},
		{"aud object", forge(t, hsKey(), hdr("HS256", "hs"), payload(`aud={"a":"trialbalance-api"}`)), ErrTokenMalformed},
		{"aud array with number", forge(t, hsKey(), hdr("HS256", "hs"), payload(`aud=["trialbalance-api",1]`)), ErrTokenMalformed},
		{"aud number", forge(t, hsKey(), hdr("HS256", "hs"), payload("aud=1")), ErrTokenMalformed},
		{"sub missing", forge(t, hsKey(), hdr("HS256", "hs"), payload("-sub")), ErrClaimMissing},
		{"sub number", forge(t, hsKey(), hdr("HS256", "hs"), payload("sub=1")), ErrTokenMalformed},
		// RFC 8725 §3.11: explicit typing.
		{"typ at+jwt", forge(t, hsKey(), `{"alg":"HS256","kid":"hs","typ":"at+jwt"}`, payload()), ErrTokenType},
		{"typ missing", forge(t, hsKey(), `{"alg":"HS256","kid":"hs"}`, payload()), ErrTokenType},
		{"typ application/jwt", forge(t, hsKey(), `{"alg":"HS256","kid":"hs","typ":"application/JWT"}`, payload()), nil},
		// Lifetime bound, from now and from iat.
		{"lifetime from iat too long", forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("iat=%d", t0.Add(-30*time.Hour).Unix()), "-nbf")), ErrTokenLifetime},
		{"lifetime too long", forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("exp=%d", t0.Add(48*time.Hour).Unix()))), ErrTokenLifetime},
		// a huge token is refused before decoding.
		{"4 MB token", h + "." + strings.Repeat("A", 4<<20) + "." + s, ErrTokenMalformed},
		// deep nesting within the size cap.
		{"deep nesting", forge(t, hsKey(), hdr("HS256", "hs"), payload("x="+deep)), ErrTokenMalformed},
		// CVE-2025-30204: a megabyte of dots.
		{"1 MiB of dots", strings.Repeat(".", 1<<20), ErrTokenMalformed},
		// RFC 8725bis §3.14: whitespace, JSON serialisation.
		{"whitespace", " " + good, ErrTokenMalformed},
		{"newline inside", h + "\n." + p + "." + s, ErrTokenMalformed},
		{"JSON serialisation", `{"payload":"` + p + `","protected":"` + h + `","signature":"` + s + `"}`, ErrTokenMalformed},
		{"header not JSON", b64("hello") + "." + p + "." + s, ErrTokenMalformed},
		{"header invalid UTF-8", b64("{\"alg\":\"HS256\xff\"}") + "." + p + "." + s, ErrTokenMalformed},
		{"payload not an object", forge(t, hsKey(), hdr("HS256", "hs"), `"foo"`), ErrTokenMalformed},
		{"payload trailing data", forge(t, hsKey(), hdr("HS256", "hs"), payload()+"{}"), ErrTokenMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := a.Verify(context.Background(), tc.token)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				if c.Subject != "alice" {
					t.Errorf("sub: got %q", c.Subject)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if len(tc.token) > 10 && strings.Contains(err.Error(), tc.token[len(tc.token)-10:]) {
				t.Errorf("error %q echoes the token", err)
			}
		})
	}
}

// manyMembers returns a payload modifier adding n members x0, x1, ...
func manyMembers(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf(`"x%d":%d`, i, i))
	}
	return "+" + strings.Join(parts, ",")
}

// Non-default Leeway and MaxTokenSize take effect.
func TestConfiguredLimits(t *testing.T) {
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Leeway = 5 * time.Second
	a := mustAuth(t, cfg)
	// 10 s past exp: inside the default 30 s leeway, outside 5 s.
	late := forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("exp=%d", t0.Add(-10*time.Second).Unix()), "iat=1799990000", "-nbf"))
	if _, err := a.Verify(context.Background(), late); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("leeway 5s, exp 10s ago: got %v, want ErrTokenExpired", err)
	}
	early := forge(t, hsKey(), hdr("HS256", "hs"), payload(fmt.Sprintf("nbf=%d", t0.Add(10*time.Second).Unix())))
	if _, err := a.Verify(context.Background(), early); !errors.Is(err, ErrTokenNotValidYet) {
		t.Errorf("leeway 5s, nbf in 10s: got %v, want ErrTokenNotValidYet", err)
	}

	good := forge(t, hsKey(), hdr("HS256", "hs"), payload())
	cfg = testConfig(clk)
	cfg.MaxTokenSize = len(good) - 1
	small := mustAuth(t, cfg)
	if _, err := small.Verify(context.Background(), good); !errors.Is(err, ErrTokenMalformed) {
		t.Errorf("token one byte over MaxTokenSize: got %v, want ErrTokenMalformed", err)
	}
	cfg.MaxTokenSize = len(good)
	if _, err := mustAuth(t, cfg).Verify(context.Background(), good); err != nil {
		t.Errorf("token at MaxTokenSize: got %v", err)
	}
}

func splitT(tok string) (h, p, s string) {
	parts := strings.SplitN(tok, ".", 3)
	return parts[0], parts[1], parts[2]
}

// Non-canonical trailing bits in the payload: same bytes, other spelling.
func TestNonCanonicalPayloadRejected(t *testing.T) {
	a := mustAuth(t, testConfig(newClock()))
	// Find a payload whose last base64 char has unused bits.
	for i := 0; i < 3; i++ {
		pl := payload(fmt.Sprintf(`x="%s"`, strings.Repeat("a", i)))
		if len(pl)%3 == 0 {
			continue
		}
		vk, _ := newKey(hsKey())
		in := b64(hdr("HS256", "hs")) + "." + flipLastBits(b64(pl))
		sig, _ := vk.method.Sign(in, vk.sign)
		tok := in + "." + base64.RawURLEncoding.EncodeToString(sig)
		if _, err := a.Verify(context.Background(), tok); !errors.Is(err, ErrTokenMalformed) {
			t.Fatalf("got %v, want ErrTokenMalformed", err)
		}
		return
	}
	t.Fatal("no payload length with stray bits")
}

// Short and known-weak secrets, small RSA keys and
// mismatched key types are refused by New.
func TestKeyValidation(t *testing.T) {
	f := fixtures()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	tests := []struct {
		name string
		key  Key
		want error
	}{
		{"good HS256", hsKey(), nil},
		{"empty secret", Key{ID: "k", Algorithm: HS256}, ErrWeakKey},
		{"short secret", Key{ID: "k", Algorithm: HS256, Secret: NewHMACSecret([]byte("q8Jz4nW1rT0vXy7LpM3s"))}, ErrInvalidKey},
		{"secret", Key{ID: "k", Algorithm: HS256, Secret: NewHMACSecret([]byte("secret"))}, ErrWeakKey},
		{"changeme", Key{ID: "k", Algorithm: HS256, Secret: NewHMACSecret([]byte("changeme"))}, ErrWeakKey},
		{"jwt.io sample", Key{ID: "k", Algorithm: HS256, Secret: NewHMACSecret([]byte("your-256-bit-secret"))}, ErrWeakKey},
		{"placeholder 32+", Key{ID: "k", Algorithm: HS256, Secret: NewHMACSecret([]byte("please-change-me-in-production!!"))}, ErrWeakKey},
		{"repeated block", Key{ID: "k", Algorithm: HS256, Secret: NewHMACSecret([]byte(strings.Repeat("a1b2c3d4e5", 4)))}, ErrWeakKey},
		{"zeros", Key{ID: "k", Algorithm: HS256, Secret: NewHMACSecret(make([]byte, 32))}, ErrWeakKey},
		{"seven distinct bytes", Key{ID: "k", Algorithm: HS256, Secret: NewHMACSecret([]byte("q1w2e3rq1rwe23qw1e2r3wq12ew3rq1w"))}, ErrWeakKey},
		{"few distinct bytes", Key{ID: "k", Algorithm: HS256, Secret: NewHMACSecret([]byte("abababababababcabababababababcab"))}, ErrWeakKey},
		{"HS256 with RSA key", Key{ID: "k", Algorithm: HS256, Secret: NewHMACSecret(testSecret), PrivateKey: f.rsa}, ErrInvalidKey},
		{"RSA 1024", Key{ID: "k", Algorithm: RS256, PrivateKey: small}, ErrInvalidKey},
		{"ES256 with P-384", Key{ID: "k", Algorithm: ES256, PrivateKey: p384}, ErrInvalidKey},
		{"ES256 with RSA", Key{ID: "k", Algorithm: ES256, PrivateKey: f.rsa}, ErrInvalidKey},
		{"RS256 with EC", Key{ID: "k", Algorithm: RS256, PrivateKey: f.ec}, ErrInvalidKey},
		{"EdDSA short public key", Key{ID: "k", Algorithm: EdDSA, PublicKey: ed25519.PublicKey(make([]byte, 31))}, ErrInvalidKey},
		{"EdDSA with EC", Key{ID: "k", Algorithm: EdDSA, PublicKey: &f.ec.PublicKey}, ErrInvalidKey},
		{"mismatched public", Key{ID: "k", Algorithm: ES256, PrivateKey: f.ec, PublicKey: &f.ec2.PublicKey}, ErrInvalidKey},
		{"public only", Key{ID: "k", Algorithm: ES256, PublicKey: &f.ec.PublicKey}, nil},
		{"no material", Key{ID: "k", Algorithm: ES256}, ErrInvalidKey},
		{"secret for ES256", Key{ID: "k", Algorithm: ES256, PrivateKey: f.ec, Secret: NewHMACSecret(testSecret)}, ErrInvalidKey},
		{"alg none", Key{ID: "k", Algorithm: "none", Secret: NewHMACSecret(testSecret)}, ErrInvalidKey},
		{"HS384 unsupported", Key{ID: "k", Algorithm: "HS384", Secret: NewHMACSecret(testSecret)}, ErrInvalidKey},
		{"no id", Key{Algorithm: HS256, Secret: NewHMACSecret(testSecret)}, nil}, // the key of kid-less tokens
		{"no algorithm", Key{ID: "k", Secret: NewHMACSecret(testSecret)}, ErrInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Keys: []Key{tc.key}})
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), string(testSecret)) {
				t.Error("error echoes the secret")
			}
		})
	}
	if _, err := New(Config{Keys: []Key{{Algorithm: HS256, Secret: NewHMACSecret(testSecret)}, {Algorithm: ES256, PrivateKey: f.ec}}}); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("two keys without id: got %v", err)
	}
	if _, err := New(Config{Keys: []Key{{ID: "k", Secret: NewHMACSecret(testSecret)}}}); err == nil || !strings.Contains(err.Error(), "set Algorithm") {
		t.Errorf("zero Algorithm: got %v, want a hint to set Algorithm", err)
	}
	if _, err := New(Config{Keys: []Key{hsKey(), hsKey()}}); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("duplicate ids: got %v", err)
	}
	cfg := Config{Keys: []Key{hsKey()}}
	if got := fmt.Sprintf("%v %+v %#v %s %v", hsKey(), hsKey(), hsKey(), hsKey(), cfg); strings.Contains(got, string(testSecret)) {
		t.Errorf("key printed its secret: %s", got)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no keys", Config{}},
		{"TTL above MaxLifetime", Config{Keys: []Key{hsKey()}, TTL: 2 * time.Hour, MaxLifetime: time.Hour}},
		{"negative TTL", Config{Keys: []Key{hsKey()}, TTL: -time.Second}},
		{"TTL under a second", Config{Keys: []Key{hsKey()}, TTL: time.Millisecond}},
		{"leeway too large", Config{Keys: []Key{hsKey()}, Leeway: time.Hour}},
		{"negative size", Config{Keys: []Key{hsKey()}, MaxTokenSize: -1}},
		{"bad type", Config{Keys: []Key{hsKey()}, Type: "a b"}},
		{"bad cookie", Config{Keys: []Key{hsKey()}, Cookie: "a;b"}},
		// An unchecked constructor error leaves a nil pointer: refused
		// here rather than panicking on every request.
		{"nil pointer Revoker", Config{Keys: []Key{hsKey()}, Revoker: (*countingRevoker)(nil)}},
		{"nil MemoryRevoker", Config{Keys: []Key{hsKey()}, Revoker: (*MemoryRevoker)(nil)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("got %v, want ErrInvalidConfig", err)
			}
		})
	}
}

// Key selection with several keys: a kid is required when more than one key
// has the token's algorithm (rotation).
func TestKeySelection(t *testing.T) {
	clk := newClock()
	old := Key{ID: "old", Algorithm: HS256, Secret: NewHMACSecret([]byte("Zk3pQ9wX2mV7rT4yL8nB1cJ6hF5dG0sA"))}
	a := mustAuth(t, testConfig(clk, hsKey(), old, esKey()))
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"new kid", forge(t, hsKey(), hdr("HS256", "hs"), payload()), nil},
		{"old kid", forge(t, old, hdr("HS256", "old"), payload()), nil},
		{"no kid, two HS256 keys", forge(t, hsKey(), hdr("HS256", ""), payload()), ErrKeyNotFound},
		{"no kid, one ES256 key", forge(t, esKey(), hdr("ES256", ""), payload()), nil},
		{"old key under new kid", forge(t, old, hdr("HS256", "hs"), payload()), ErrSignatureInvalid},
		{"RS256 with no RS key", forge(t, rsKey(), hdr("RS256", ""), payload()), ErrAlgorithm},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.Verify(context.Background(), tc.token)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}
