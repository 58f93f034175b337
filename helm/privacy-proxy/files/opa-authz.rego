# OPA's own API authorization (opa run --authorization=basic): the proxy may only ask for decisions,
# read health and list policies (opa-python-client's check_connection does). Nobody can push, replace
# or delete policies or data through the API, even from inside the pod.
package system.authz

default allow := false

allow if {
	input.method == "POST"
	input.path[0] == "v1"
	input.path[1] == "data"
}

allow if {
	input.method == "GET"
	input.path[0] == "v1"
	input.path[1] in {"data", "policies"}
}

allow if {
	input.method == "GET"
	input.path[0] == "health"
}
