package redisx

import (
	"fmt"
	"testing"
)

func TestBucket(t *testing.T) {
	for _, tc := range []struct {
		digest string
		want   int
	}{
		{"0000", 0},
		{"003f", 0},
		{"0040", 1},
		{"ffff", Buckets - 1},
		{"ffc0", Buckets - 1},
		{"ffbf", Buckets - 2},
		{"8000", Buckets / 2},
	} {
		if got := Bucket(tc.digest); got != tc.want {
			t.Errorf("Bucket(%q) = %d, want %d", tc.digest, got, tc.want)
		}
		if got := Bucket([]byte(tc.digest)); got != tc.want {
			t.Errorf("Bucket([]byte(%q)) = %d, want %d", tc.digest, got, tc.want)
		}
	}
	// Every digest lands in a bucket below Buckets, and the tag is the
	// bucket's number in three hex digits.
	seen := make(map[int]bool)
	for i := range 20000 {
		b := Bucket(Digest(fmt.Sprint(i)))
		if b < 0 || b >= Buckets {
			t.Fatalf("bucket %d out of range", b)
		}
		seen[b] = true
		tag := BucketTag(b)
		if got := fmt.Sprintf("%03x", b); string(tag[:]) != got {
			t.Fatalf("BucketTag(%d) = %s, want %s", b, tag[:], got)
		}
	}
	if len(seen) != Buckets {
		t.Errorf("20,000 digests filled %d of %d buckets", len(seen), Buckets)
	}
}

func TestBucketNoAllocation(t *testing.T) {
	d := []byte(Digest("x"))
	if n := testing.AllocsPerRun(100, func() { _ = Bucket(d); _ = BucketTag(7) }); n != 0 {
		t.Errorf("Bucket allocates %v times", n)
	}
}
