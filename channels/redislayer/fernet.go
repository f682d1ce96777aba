package redislayer

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// fernetKey is one key of a Fernet ring: Python's
// Fernet(base64.urlsafe_b64encode(sha256(secret).digest())), whose first 16
// bytes sign and last 16 bytes encrypt (AES-128-CBC).
type fernetKey struct {
	sign  []byte
	block cipher.Block
}

// fernet is channels_redis's MultiFernet: the first key encrypts, every key
// is tried to decrypt.
type fernet struct {
	keys []fernetKey
}

const (
	fernetVersion     = 0x80
	fernetMaxSkew     = 60 // seconds a token may be from the future
	fernetOverhead    = 1 + 8 + aes.BlockSize + sha256.Size
	fernetMinTokenLen = fernetOverhead + aes.BlockSize // at least one block of ciphertext
)

// errInvalidToken is Fernet's InvalidToken: a bad signature, format or age.
var errInvalidToken = errors.New("redislayer: invalid Fernet token")

func newFernet(secrets []string) (*fernet, error) {
	if len(secrets) == 0 {
		return nil, nil
	}
	f := &fernet{}
	for _, s := range secrets {
		if s == "" {
			return nil, errors.New("redislayer: empty symmetric encryption key")
		}
		sum := sha256.Sum256([]byte(s))
		block, err := aes.NewCipher(sum[16:])
		if err != nil {
			return nil, err
		}
		f.keys = append(f.keys, fernetKey{sign: sum[:16], block: block})
	}
	return f, nil
}

// encrypt returns the token of plain, issued at now, base64url with padding.
func (f *fernet) encrypt(plain []byte, now time.Time) []byte {
	var iv [aes.BlockSize]byte
	if _, err := rand.Read(iv[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return f.encryptWith(plain, now, iv)
}

func (f *fernet) encryptWith(plain []byte, now time.Time, iv [aes.BlockSize]byte) []byte {
	k := f.keys[0]
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	raw := make([]byte, 0, fernetOverhead+len(plain)+pad)
	raw = append(raw, fernetVersion)
	raw = binary.BigEndian.AppendUint64(raw, uint64(now.Unix()))
	raw = append(raw, iv[:]...)
	ctStart := len(raw)
	raw = append(raw, plain...)
	for range pad {
		raw = append(raw, byte(pad))
	}
	cipher.NewCBCEncrypter(k.block, iv[:]).CryptBlocks(raw[ctStart:], raw[ctStart:])
	mac := hmac.New(sha256.New, k.sign)
	mac.Write(raw)
	raw = mac.Sum(raw)
	out := make([]byte, base64.URLEncoding.EncodedLen(len(raw)))
	base64.URLEncoding.Encode(out, raw)
	return out
}

// decrypt checks and opens a token with any key of the ring. A token older
// than ttl (when ttl > 0) or issued more than 60 s in the future is
// refused, as Python's cryptography does.
func (f *fernet) decrypt(token []byte, ttl time.Duration, now time.Time) ([]byte, error) {
	raw := make([]byte, base64.URLEncoding.DecodedLen(len(token)))
	n, err := base64.URLEncoding.Decode(raw, token)
	if err != nil {
		return nil, errInvalidToken
	}
	raw = raw[:n]
	if len(raw) < fernetMinTokenLen || raw[0] != fernetVersion || (len(raw)-fernetOverhead)%aes.BlockSize != 0 {
		return nil, errInvalidToken
	}
	ts := int64(binary.BigEndian.Uint64(raw[1:9]))
	current := now.Unix()
	if ttl > 0 && ts+int64(ttl/time.Second) < current {
		return nil, errInvalidToken
	}
	if current+fernetMaxSkew < ts {
		return nil, errInvalidToken
	}
	signed, sig := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	for _, k := range f.keys {
		mac := hmac.New(sha256.New, k.sign)
		mac.Write(signed)
		if !hmac.Equal(mac.Sum(nil), sig) {
			continue
		}
		iv, ct := signed[9:9+aes.BlockSize], signed[9+aes.BlockSize:]
		plain := make([]byte, len(ct))
		cipher.NewCBCDecrypter(k.block, iv).CryptBlocks(plain, ct)
		pad := int(plain[len(plain)-1])
		if pad == 0 || pad > aes.BlockSize {
			return nil, errInvalidToken
		}
		for _, b := range plain[len(plain)-pad:] {
			if int(b) != pad {
				return nil, errInvalidToken
			}
		}
		return plain[:len(plain)-pad], nil
	}
	return nil, errInvalidToken
}
