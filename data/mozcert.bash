# SPDX-License-Identifier: MPL-2.0
# bash completion for mozcert: commands, options, profile names and
# certificate nicknames. Commands and options come from mozcert's own help
# ("mozcert help", "mozcert help COMMAND"), so they follow the binary;
# profile names from the profiles.ini files mozcert reads; nicknames from
# "mozcert --json cert list" on the profile the command line names.

# _mozcert_commands MOZCERT: one line per command, "profiles", "cert list" (the lower-case words of its usage)
_mozcert_commands()
{
	"$1" help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z0-9][a-z0-9-]*\)\(\( [a-z0-9][a-z0-9-]*\)*\)\( .*\)\{0,1\}$/\1\2/p'
}

# _mozcert_options MOZCERT [COMMAND WORDS...]: every --option its help names
_mozcert_options()
{
	local exe=$1
	shift
	"$exe" help "$@" 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
	printf '%s\n' -p -n -q -v -h
}

# _mozcert_value_options MOZCERT [COMMAND WORDS...]: the options that take a value ("--trust TRUST")
_mozcert_value_options()
{
	local exe=$1
	shift
	printf '%s\n' -p
	"$exe" help "$@" 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]* ([A-Z][A-Z|]*|[a-z]+\|[a-z|]+)' | cut -d' ' -f1 | sort -u
}

# _mozcert_profiles APP: the profile names of profiles.ini (of APP, or of every application)
_mozcert_profiles()
{
	local cfg=${XDG_CONFIG_HOME:-$HOME/.config} d
	local -a dirs=()
	case ${1:-} in
	firefox | '')
		dirs+=("$HOME/.mozilla/firefox" "$cfg/mozilla/firefox" "$HOME/snap/firefox/common/.mozilla/firefox"
			"$HOME/.var/app/org.mozilla.firefox/.mozilla/firefox"
			"$HOME/.var/app/org.mozilla.firefox/config/mozilla/firefox") ;;&
	thunderbird | '')
		dirs+=("$HOME/.thunderbird" "$HOME/snap/thunderbird/common/.thunderbird"
			"$HOME/.var/app/org.mozilla.Thunderbird/.thunderbird"
			"$HOME/.var/app/net.thunderbird.Thunderbird/.thunderbird") ;;&
	seamonkey | '')
		dirs+=("$HOME/.mozilla/seamonkey") ;;
	esac
	for d in "${dirs[@]}"; do
		[[ -r $d/profiles.ini ]] && sed -n 's/^[Nn]ame=\(.*\)$/\1/p' "$d/profiles.ini" | tr -d '\r'
	done
}

# _mozcert_nicknames MOZCERT GLOBAL-OPTIONS...: the nicknames of the chosen profile's store
_mozcert_nicknames()
{
	local exe=$1
	shift
	"$exe" "$@" --json cert list 2>/dev/null |
		sed -n 's/^ *"nickname": "\(.*\)",\{0,1\}$/\1/p' | sed -e 's/\\"/"/g' -e 's/\\\//\//g' -e 's/\\\\/\\/g'
}

# _mozcert_add WORD...: the words that start with $cur, quoted for the shell
_mozcert_add()
{
	local w want=${cur//\\/} plain='^[][A-Za-z0-9,._+:@%/=-]+$'
	for w in "$@"; do
		[[ $w == "$want"* ]] || continue
		if [[ $w =~ $plain ]]; then
			COMPREPLY+=("$w")
		else
			COMPREPLY+=("$(printf '%q' "$w")")
		fi
	done
}

_mozcert()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local exe=${COMP_WORDS[0]} w i app='' dashdash=''
	local -a words=() globals=() values=() cmds=()
	local IFS=$'\n'
	COMPREPLY=()
	[[ $exe == */* || -n $(type -P "$exe") ]] || exe=mozcert
	exe=${exe/#\~/$HOME}

	# the command words so far, and the global options that choose the profile
	mapfile -t values < <(_mozcert_value_options "$exe")
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -n $dashdash ]]; then
			words+=("$w")
			continue
		fi
		case $w in
		--) dashdash=1 ;;
		-p | --profile | --app)
			globals+=("$w" "${COMP_WORDS[i + 1]}")
			[[ $w == --app ]] && app=${COMP_WORDS[i + 1]}
			((i++)) ;;
		--profile=* | --app=*)
			globals+=("$w")
			[[ $w == --app=* ]] && app=${w#--app=} ;;
		--all-profiles) ;;
		-*)
			local v
			for v in "${values[@]}"; do
				[[ $w == "$v" ]] && ((i++)) && break
			done ;;
		*) words+=("$w") ;;
		esac
	done

	mapfile -t cmds < <(_mozcert_commands "$exe")
	# the longest command the words start with, and how many words it takes ("verify" 1, "cert list" 2)
	local cmd='' nw=0 c k
	local -a cw
	for c in "${cmds[@]}"; do
		IFS=' ' read -r -a cw <<<"$c"
		((${#cw[@]} > ${#words[@]} || ${#cw[@]} <= nw)) && continue
		for ((k = 0; k < ${#cw[@]}; k++)); do
			[[ ${cw[k]} == "${words[k]}" ]] || continue 2
		done
		cmd=$c nw=${#cw[@]}
	done

	# the value of an option
	case $prev in
	-p | --profile)
		mapfile -t c < <(_mozcert_profiles "$app")
		_mozcert_add "${c[@]}"
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur")
		return 0 ;;
	--app)
		_mozcert_add firefox thunderbird seamonkey
		return 0 ;;
	--password-file | --cert)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		compopt -o filenames 2>/dev/null
		return 0 ;;
	--roots)
		_mozcert_add none
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
		return 0 ;;
	--type)
		_mozcert_add bool int string
		return 0 ;;
	--format)
		_mozcert_add A B C D
		return 0 ;;
	--trust)
		_mozcert_add 'C,,' 'CT,,' 'CT,C,' 'P,,' ',,'
		return 0 ;;
	esac
	for w in "${values[@]}"; do
		[[ $prev == "$w" ]] && return 0
	done

	if [[ $cur == -* && -z $dashdash ]]; then
		local -a opts
		if [[ -n $cmd && $cmd != help ]]; then
			IFS=' ' read -r -a c <<<"$cmd"
			mapfile -t opts < <(_mozcert_options "$exe" "${c[@]}")
		else
			mapfile -t opts < <(_mozcert_options "$exe")
		fi
		_mozcert_add "${opts[@]}"
		return 0
	fi

	# command words, also after help ("help cert", "help cert list"): the next word of every
	# command that starts with the words so far (a complete one may have longer siblings:
	# "db backups" and "db backups prune")
	local -a before=("${words[@]}") next=()
	local have
	[[ $cmd == help ]] && before=("${words[@]:1}")
	have=$(IFS=' '; printf "%s" "${before[*]}")
	for c in "${cmds[@]}"; do
		if [[ -z $have ]]; then
			next+=("${c%% *}")
		elif [[ $c == "$have "* ]]; then
			c=${c#"$have "}
			next+=("${c%% *}")
		fi
	done
	if ((${#next[@]})) || [[ -z $cmd || $cmd == help ]]; then
		mapfile -t next < <(printf '%s\n' "${next[@]}" | sort -u)
		_mozcert_add "${next[@]}"
		return 0
	fi

	# operands
	local nop=$((${#words[@]} - nw))
	case $cmd in
	'cert show' | 'cert trust' | 'cert remove')
		if ((nop == 0)); then
			mapfile -t c < <(_mozcert_nicknames "$exe" "${globals[@]}")
			_mozcert_add "${c[@]}"
		elif [[ $cmd == 'cert trust' && $nop -eq 1 ]]; then
			_mozcert_add 'C,,' 'CT,,' 'CT,C,' 'P,,' ',,'
		fi ;;
	'cert import' | 'cert sync' | verify)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		compopt -o filenames 2>/dev/null ;;
	'db restore')
		((nop == 0)) && _mozcert_add latest ;;
	esac
	return 0
}
complete -F _mozcert mozcert
