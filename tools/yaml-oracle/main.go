// yaml-oracle decodes YAML the way the tools cinch must agree with decode it, and prints
// one JSON line per input with every scalar typed as that tool types it. It is a test
// oracle (tests/yaml_oracle.rs), built offline from Debian packages by scripts/install-tools:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o .tools/yaml-oracle ./tools/yaml-oracle
//
// Modes:
//
//	v3   compose-go: a gopkg.in/yaml.v3 Decoder over the stream, each document decoded
//	     into a yaml.Node and then into interface{} (what compose-go's loader does), with
//	     Compose's own tags !reset / !override taken off first (compose-go handles them
//	     itself before decoding; cinch's Compose frontend does the same).
//	k8s  kubectl: the stream split into documents as apimachinery's YAMLReader splits it
//	     (a line starting with "---", only a comment after it), each chunk through
//	     sigs.k8s.io/yaml.YAMLToJSON (go-yaml v2, YAML 1.1), empty documents dropped. A
//	     stream whose first non-blank byte is '{' is JSON to kubectl and read as JSON.
//
// Usage: yaml-oracle MODE FILE...   one line per file
//
//	yaml-oracle MODE -stream   framed inputs on stdin ("<byte count>\n<bytes>"), one line each
//
// Output: {"ok":true,"docs":[...]} or {"ok":false,"line":N,"error":"..."} (line 0: unknown).
// Values: null, booleans and strings as JSON; an integer as a JSON integer; a float as
// {"!float":"<its IEEE bits in hex>"} (exact, and never confused with an integer) or
// {"!float":".inf"|"-.inf"|".nan"}; a timestamp as {"!timestamp":"<RFC 3339>"}. In v3 mode
// a map key that is not a string is written "!!int 1", "!!bool true", "!!float <bits>",
// "!!null"; in k8s mode keys are what YAMLToJSON made of them. A collection nested deeper
// than 100 levels is written as the string "!!deeper than 100" (JSON readers have limits).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
	k8syaml "sigs.k8s.io/yaml"
)

type result struct {
	OK    bool              `json:"ok"`
	Docs  []json.RawMessage `json:"docs,omitempty"`
	Line  int               `json:"line,omitempty"`
	Error string            `json:"error,omitempty"`
}

var lineRe = regexp.MustCompile(`line (\d+)`)

func failure(err error) result {
	r := result{OK: false, Error: err.Error()}
	if m := lineRe.FindStringSubmatch(r.Error); m != nil {
		r.Line, _ = strconv.Atoi(m[1])
	}
	return r
}

// decodeV3 reads a stream as compose-go does.
func decodeV3(data []byte) (res result) {
	defer func() {
		// go-yaml turns its own panics into errors; anything else is a crash worth seeing.
		if p := recover(); p != nil {
			res = result{OK: false, Error: fmt.Sprintf("panic: %v", p)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []json.RawMessage
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return failure(err)
		}
		untagCompose(&node, map[*yaml.Node]bool{})
		var v interface{}
		if err := node.Decode(&v); err != nil {
			return failure(err)
		}
		var b strings.Builder
		encode(&b, v, true)
		docs = append(docs, json.RawMessage(b.String()))
	}
	return result{OK: true, Docs: docs}
}

// untagCompose drops compose-go's local tags so the value decodes as written.
func untagCompose(n *yaml.Node, seen map[*yaml.Node]bool) {
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	if n.Tag == "!reset" || n.Tag == "!override" {
		n.Tag = ""
	}
	for _, c := range n.Content {
		untagCompose(c, seen)
	}
	untagCompose(n.Alias, seen)
}

// splitK8s splits a stream into documents as apimachinery's YAMLReader does.
func splitK8s(data []byte) ([][]byte, error) {
	var docs [][]byte
	var buf bytes.Buffer
	r := bufio.NewReader(bytes.NewReader(data))
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] != '\n' {
			line = append(line, '\n')
		}
		if bytes.HasPrefix(line, []byte("---")) {
			rest := strings.TrimSpace(string(line[3:]))
			if rest != "" && rest[0] != '#' {
				return nil, fmt.Errorf("invalid Yaml document separator: %s", rest)
			}
			if buf.Len() > 0 {
				docs = append(docs, append([]byte(nil), buf.Bytes()...))
				buf.Reset()
			}
			line = nil
		}
		buf.Write(line)
		if err != nil {
			break
		}
	}
	if buf.Len() > 0 {
		docs = append(docs, buf.Bytes())
	}
	return docs, nil
}

// decodeK8s reads a stream as kubectl does.
func decodeK8s(data []byte) (res result) {
	defer func() {
		if p := recover(); p != nil {
			res = result{OK: false, Error: fmt.Sprintf("panic: %v", p)}
		}
	}()
	var chunks [][]byte
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		// JSON: a stream of values, each kept as kubectl keeps it (raw JSON).
		dec := json.NewDecoder(bytes.NewReader(data))
		for {
			var raw json.RawMessage
			err := dec.Decode(&raw)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return failure(err)
			}
			chunks = append(chunks, raw)
		}
	} else {
		var err error
		if chunks, err = splitK8s(data); err != nil {
			return failure(err)
		}
	}
	var docs []json.RawMessage
	line := 1
	for _, chunk := range chunks {
		j, err := k8syaml.YAMLToJSON(chunk)
		if err != nil {
			f := failure(err)
			if f.Line > 0 {
				f.Line += line - 1
			}
			return f
		}
		line += bytes.Count(chunk, []byte("\n")) + 1
		if bytes.Equal(j, []byte("null")) {
			continue
		}
		// Re-read with numbers kept exact, and print with the same typing rules.
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.UseNumber()
		var v interface{}
		if err := dec.Decode(&v); err != nil {
			return failure(err)
		}
		var b strings.Builder
		encode(&b, v, false)
		docs = append(docs, json.RawMessage(b.String()))
	}
	return result{OK: true, Docs: docs}
}

func encodeString(b *strings.Builder, s string) {
	j, _ := json.Marshal(s)
	b.Write(j)
}

func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return `{"!float":".nan"}`
	case math.IsInf(f, 1):
		return `{"!float":".inf"}`
	case math.IsInf(f, -1):
		return `{"!float":"-.inf"}`
	}
	return `{"!float":"` + strconv.FormatUint(math.Float64bits(f), 16) + `"}`
}

func floatKey(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	return strconv.FormatUint(math.Float64bits(f), 16)
}

// keyText is a map key as the output names it (see the package doc).
func keyText(k interface{}) string {
	switch k := k.(type) {
	case string:
		return k
	case nil:
		return "!!null"
	case bool:
		return "!!bool " + strconv.FormatBool(k)
	case int:
		return "!!int " + strconv.Itoa(k)
	case int64:
		return "!!int " + strconv.FormatInt(k, 10)
	case uint64:
		return "!!int " + strconv.FormatUint(k, 10)
	case float64:
		return "!!float " + floatKey(k)
	default:
		return fmt.Sprintf("!!%T %v", k, k)
	}
}

func encode(b *strings.Builder, v interface{}, typedKeys bool) {
	encodeAt(b, v, typedKeys, 0)
}

func encodeAt(b *strings.Builder, v interface{}, typedKeys bool, depth int) {
	switch v.(type) {
	case []interface{}, map[string]interface{}, map[interface{}]interface{}:
		if depth >= 100 {
			encodeString(b, "!!deeper than 100")
			return
		}
	}
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		encodeString(b, v)
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case uint64:
		b.WriteString(strconv.FormatUint(v, 10))
	case float64:
		b.WriteString(formatFloat(v))
	case json.Number:
		// kubectl's JSON: an integer literal stays an integer, anything else is a float.
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			b.WriteString(strconv.FormatInt(i, 10))
		} else if u, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			b.WriteString(strconv.FormatUint(u, 10))
		} else if f, err := v.Float64(); err == nil {
			b.WriteString(formatFloat(f))
		} else {
			encodeString(b, string(v))
		}
	case time.Time:
		b.WriteString(`{"!timestamp":`)
		encodeString(b, v.Format(time.RFC3339Nano))
		b.WriteString("}")
	case []interface{}:
		b.WriteString("[")
		for i, e := range v {
			if i > 0 {
				b.WriteString(",")
			}
			encodeAt(b, e, typedKeys, depth+1)
		}
		b.WriteString("]")
	case map[string]interface{}:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(",")
			}
			encodeString(b, k)
			b.WriteString(":")
			encodeAt(b, v[k], typedKeys, depth+1)
		}
		b.WriteString("}")
	case map[interface{}]interface{}:
		named := make(map[string]interface{}, len(v))
		for k, e := range v {
			named[keyText(k)] = e
		}
		encodeAt(b, named, typedKeys, depth)
	default:
		encodeString(b, fmt.Sprintf("!!%T %v", v, v))
	}
}

func main() {
	if len(os.Args) < 3 || (os.Args[1] != "v3" && os.Args[1] != "k8s") {
		fmt.Fprintln(os.Stderr, "usage: yaml-oracle v3|k8s FILE... | -stream")
		os.Exit(2)
	}
	decode := decodeV3
	if os.Args[1] == "k8s" {
		decode = decodeK8s
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	emit := func(r result) {
		j, _ := json.Marshal(r)
		out.Write(j)
		out.WriteByte('\n')
	}
	if os.Args[2] == "-stream" {
		in := bufio.NewReader(os.Stdin)
		for {
			header, err := in.ReadString('\n')
			if err != nil {
				return
			}
			n, err := strconv.Atoi(strings.TrimSpace(header))
			if err != nil || n < 0 {
				fmt.Fprintln(os.Stderr, "yaml-oracle: bad frame header")
				os.Exit(2)
			}
			data := make([]byte, n)
			if _, err := io.ReadFull(in, data); err != nil {
				fmt.Fprintln(os.Stderr, "yaml-oracle: short frame")
				os.Exit(2)
			}
			emit(decode(data))
			out.Flush()
		}
	}
	for _, f := range os.Args[2:] {
		data, err := os.ReadFile(f)
		if err != nil {
			emit(result{OK: false, Error: err.Error()})
			continue
		}
		emit(decode(data))
	}
}
