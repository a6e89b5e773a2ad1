// acceptance-yaml: decodes one YAML file the way the real tools do and prints it as JSON, or
// the decoding error (exit 1). Used by scripts/acceptance only.
//
//	acceptance-yaml kubectl FILE   a JSON array of the documents, as kubectl reads them: split
//	                               by apimachinery's YAMLReader (a line that is `---` plus
//	                               trailing blanks ends a document; k8s.io/apimachinery/pkg/util/
//	                               yaml/decoder.go), each decoded by sigs.k8s.io/yaml (go-yaml v2);
//	                               empty documents dropped.
//	acceptance-yaml compose FILE   the one document as compose-go reads it: go-yaml v3 (which
//	                               rejects duplicate keys), with compose's `!reset`/`!override`
//	                               tags taken as plain values.
//
// Builds offline from Debian packages (golang-k8s-sigs-yaml-dev, golang-gopkg-yaml.v3-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o OUT scripts/acceptance-yaml.go
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"unicode"

	yamlv3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/yaml"
)

// documents splits as apimachinery's YAMLReader.Read does.
func documents(data []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	r := bufio.NewReader(bytes.NewReader(data))
	for {
		line, err := r.ReadBytes('\n')
		if bytes.HasPrefix(line, []byte("---")) &&
			strings.TrimRightFunc(string(line[3:]), unicode.IsSpace) == "" {
			if cur.Len() != 0 {
				docs = append(docs, append([]byte(nil), cur.Bytes()...))
				cur.Reset()
			}
		} else {
			cur.Write(line)
		}
		if err != nil {
			break
		}
	}
	if cur.Len() != 0 {
		docs = append(docs, cur.Bytes())
	}
	return docs
}

func kubectl(data []byte) ([]byte, error) {
	out := []json.RawMessage{}
	for i, doc := range documents(data) {
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %v", i+1, err)
		}
		if string(j) != "null" {
			out = append(out, j)
		}
	}
	return json.Marshal(out)
}

// untag drops compose's merge tags so the decoder resolves the value as an untagged one.
func untag(n *yamlv3.Node) {
	if n.Tag == "!reset" || n.Tag == "!override" {
		n.Tag = ""
	}
	for _, c := range n.Content {
		untag(c)
	}
}

// jsonable turns the map[interface{}]interface{} go-yaml makes for non-string keys into
// string-keyed maps, as compose-go does.
func jsonable(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, e := range t {
			t[k] = jsonable(e)
		}
		return t
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []interface{}:
		for i, e := range t {
			t[i] = jsonable(e)
		}
		return t
	default:
		return v
	}
}

func compose(data []byte) ([]byte, error) {
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	untag(&doc)
	var v interface{}
	if err := doc.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(jsonable(v))
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: acceptance-yaml kubectl|compose FILE")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var out []byte
	switch os.Args[1] {
	case "kubectl":
		out, err = kubectl(data)
	case "compose":
		out, err = compose(data)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
