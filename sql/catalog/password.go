package catalog

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/xdg-go/scram"

	"logdb/sql/pgerror"
)

// PasswordVerifier turns a password into what pg_authid stores: the
// verifier itself when it is one already, else a new SCRAM-SHA-256
// verifier (or md5 under password_encryption = 'md5').
func PasswordVerifier(user, pw, encryption string) (string, error) {
	if _, ok := ParseSCRAMVerifier(pw); ok {
		return pw, nil
	}
	if IsMD5Verifier(pw) {
		return pw, nil
	}
	if pw == "" {
		return "", nil // PostgreSQL: empty string is not a valid password, cleared
	}
	if encryption == "md5" {
		sum := md5.Sum([]byte(pw + user))
		return "md5" + hex.EncodeToString(sum[:]), nil
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	client, err := scram.SHA256.NewClient("", pw, "")
	if err != nil {
		return "", pgerror.Wrap(err, pgerror.InvalidParameterValue, "invalid password")
	}
	cred := client.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: ScramIterations})
	b64 := base64.StdEncoding.EncodeToString
	return "SCRAM-SHA-256$" + strconv.Itoa(ScramIterations) + ":" + b64(salt) + "$" + b64(cred.StoredKey) + ":" + b64(cred.ServerKey), nil
}

// IsMD5Verifier reports whether s is an md5 verifier ("md5" and 32 hex digits).
func IsMD5Verifier(s string) bool {
	if len(s) != 35 || !strings.HasPrefix(s, "md5") {
		return false
	}
	_, err := hex.DecodeString(s[3:])
	return err == nil
}

// ParseSCRAMVerifier reads a stored "SCRAM-SHA-256$iter:salt$StoredKey:ServerKey".
func ParseSCRAMVerifier(v string) (scram.StoredCredentials, bool) {
	var cred scram.StoredCredentials
	rest, ok := strings.CutPrefix(v, "SCRAM-SHA-256$")
	if !ok {
		return cred, false
	}
	params, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return cred, false
	}
	iter, salt64, ok1 := strings.Cut(params, ":")
	stored64, server64, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return cred, false
	}
	n, err := strconv.Atoi(iter)
	if err != nil || n <= 0 {
		return cred, false
	}
	salt, err1 := base64.StdEncoding.DecodeString(salt64)
	stored, err2 := base64.StdEncoding.DecodeString(stored64)
	server, err3 := base64.StdEncoding.DecodeString(server64)
	if err1 != nil || err2 != nil || err3 != nil || len(stored) != 32 || len(server) != 32 {
		return cred, false
	}
	cred.Salt, cred.Iters, cred.StoredKey, cred.ServerKey = string(salt), n, stored, server
	return cred, true
}
