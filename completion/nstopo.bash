# bash completion for nstopo(8)
_nstopo_labs() {
	ls /run/nstopo 2>/dev/null
}

_nstopo_nodes() {
	local lab=$1
	[ -n "$lab" ] || lab=$(_nstopo_labs | head -n 1)
	sed -n 's/^+ [0-9]* k=netns.add node=\([^ ]*\).*/\1/p' \
		"/run/nstopo/$lab/journal" 2>/dev/null
}

_nstopo() {
	local cur prev words cword
	_init_completion || return
	local cmds="validate plan apply up destroy down status list ls exec run shell capture graph schema help"
	local cmd="" i lab=""
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*) [ -z "$cmd" ] && cmd=${words[i]} ;;
		esac
		[ "${words[i]}" = --lab ] && lab=${words[i + 1]}
	done
	case $prev in
	--lab) COMPREPLY=($(compgen -W "$(_nstopo_labs)" -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "dot mermaid" -- "$cur")); return ;;
	--prefix) return ;;
	--user) COMPREPLY=($(compgen -u -- "$cur")); return ;;
	--drop-caps) COMPREPLY=($(compgen -W "all net_raw net_admin net_bind_service sys_admin" -- "$cur")); return ;;
	--remote) COMPREPLY=($(compgen -c -- "$cur")); return ;;
	--host) return ;; # a host of the file's hosts:
	esac
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$cmds --version --help -q -v" -- "$cur"))
		return
	fi
	case $cmd in
	validate) COMPREPLY=($(compgen -W "-q -v --prefix" -- "$cur")) ;;
	plan) COMPREPLY=($(compgen -W "--destroy --json --prefix --host" -- "$cur")) ;;
	apply | up) COMPREPLY=($(compgen -W "--keep --wait --wait= --no-wait --prefix --host --remote" -- "$cur")) ;;
	run) COMPREPLY=($(compgen -W "--isolated --wait --wait= --prefix --" -- "$cur")) ;;
	shell) COMPREPLY=($(compgen -W "--wait --wait=" -- "$cur")) ;;
	destroy | down) COMPREPLY=($(compgen -W "--lab --keep-processes --prefix --host --remote" -- "$cur")) ;;
	status) COMPREPLY=($(compgen -W "--lab --json --verbose --prefix --host --remote" -- "$cur")) ;;
	list | ls) COMPREPLY=($(compgen -W "--json --remote" -- "$cur")) ;;
	graph) COMPREPLY=($(compgen -W "--format" -- "$cur")) ;;
	schema) return ;;
	capture)
		[ "$prev" = -w ] && { _filedir pcap; return; }
		COMPREPLY=($(compgen -W "--lab -w $(_nstopo_nodes "$lab" | sed 's/$/:/')" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return ;;
	exec)
		COMPREPLY=($(compgen -W "--lab --prefix --drop-caps --user $(_nstopo_nodes "$lab")" -- "$cur"))
		return ;;
	help) COMPREPLY=($(compgen -W "$cmds" -- "$cur")); return ;;
	esac
	[[ $cur == -* ]] && return
	_filedir '@(yaml|yml)'
}
complete -F _nstopo nstopo
