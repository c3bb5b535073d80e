package redisx

import "encoding/hex"

// Buckets is the number of buckets [Bucket] spreads digests over. Each
// bucket has a marker key that tells whether the store lost the bucket's
// data, and every key of the bucket shares the marker's {hash tag}, so a
// check that reads both touches one Redis Cluster slot. 1,024 spreads the
// keys over the slots of a large cluster and keeps recreating every
// marker to one pipelined round trip per node.
const Buckets = 1 << 10

// Bucket returns the bucket of a hex digest ([Digest], [AppendDigest]):
// its first ten bits. The digest must be at least four characters long,
// which every digest is.
func Bucket[T ~string | ~[]byte](digest T) int {
	var src [4]byte
	copy(src[:], digest[:4])
	var v [2]byte
	hex.Decode(v[:], src[:])
	return int(v[0])<<2 | int(v[1])>>6
}

// BucketTag writes bucket n (below [Buckets]) as three hex digits, the
// hash tag its keys carry between braces.
func BucketTag(n int) [3]byte {
	const digits = "0123456789abcdef"
	return [3]byte{digits[n>>8&0xf], digits[n>>4&0xf], digits[n&0xf]}
}
