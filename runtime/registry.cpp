// runtime/registry.cpp — registered functions and callables: id (stable name hash) ->
// decoder, and function address -> id. Filled during static initialisation in every
// process of the program, so the tables are function-local statics.
#include "registry.hpp"
#include "weft/cluster.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "weft/exceptions.hpp"

namespace weft::rt {
namespace {
struct Registry {
    std::mutex mu;  // static initialisation may run on any thread (dlopen)
    std::unordered_map<detail::FnId, RegisteredFn> by_id;
    std::unordered_map<void*, detail::FnId> by_addr;
};
Registry& registry() {
    static Registry r;
    return r;
}

[[noreturn]] void duplicate(const std::string& name, const std::string& other) {
    std::fprintf(stderr,
                 "weft: two different functions are registered for remote calls under the name '%s' (%s); "
                 "register one of them with WEFT_REMOTE_AS(other_name, &function)\n",
                 name.c_str(), other.c_str());
    std::abort();
}

/// The program's load address, to turn an address into a symbol-table value (PIE).
std::uintptr_t main_program_base() {
    std::uintptr_t base = 0;
    dl_iterate_phdr([](dl_phdr_info* info, std::size_t, void* out) {
        *static_cast<std::uintptr_t*>(out) = info->dlpi_addr;
        return 1;  // the first entry is the main program
    }, &base);
    return base;
}

/// Looks `addr` up in /proc/self/exe's .symtab (present unless the binary is stripped).
std::string elf_symbol(void* addr) {
    int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    struct stat st {};
    std::string found;
    if (::fstat(fd, &st) == 0 && st.st_size > static_cast<off_t>(sizeof(Elf64_Ehdr))) {
        void* map = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED) {
            auto* base = static_cast<const char*>(map);
            auto* eh = reinterpret_cast<const Elf64_Ehdr*>(base);
            std::uintptr_t want = reinterpret_cast<std::uintptr_t>(addr) - main_program_base();
            if (!std::memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
                eh->e_shoff + static_cast<std::uint64_t>(eh->e_shnum) * sizeof(Elf64_Shdr) <= static_cast<std::uint64_t>(st.st_size)) {
                auto* sh = reinterpret_cast<const Elf64_Shdr*>(base + eh->e_shoff);
                for (int i = 0; i < eh->e_shnum && found.empty(); ++i) {
                    if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
                    auto* syms = reinterpret_cast<const Elf64_Sym*>(base + sh[i].sh_offset);
                    const char* strs = base + sh[sh[i].sh_link].sh_offset;
                    std::size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
                    for (std::size_t k = 0; k < n; ++k) {
                        if (ELF64_ST_TYPE(syms[k].st_info) != STT_FUNC) continue;
                        if (want >= syms[k].st_value && want < syms[k].st_value + std::max<std::uint64_t>(syms[k].st_size, 1)) {
                            found = strs + syms[k].st_name;
                            break;
                        }
                    }
                }
            }
            ::munmap(map, static_cast<std::size_t>(st.st_size));
        }
    }
    ::close(fd);
    return found;
}
}  // namespace

const RegisteredFn* find_function(detail::FnId id) {
    auto& r = registry();
    std::lock_guard lk(r.mu);
    auto it = r.by_id.find(id);
    return it == r.by_id.end() ? nullptr : &it->second;
}

std::string registered_name(void* fnptr) {
    auto& r = registry();
    std::lock_guard lk(r.mu);
    auto it = r.by_addr.find(fnptr);
    return it == r.by_addr.end() ? std::string() : r.by_id.at(it->second).name;
}

std::string symbol_name(void* addr) {
    std::string raw;
    Dl_info info{};
    if (dladdr(addr, &info) && info.dli_sname) raw = info.dli_sname;
    if (raw.empty()) raw = elf_symbol(addr);
    if (raw.empty()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%p", addr);
        return std::string("the function at ") + buf + " (no symbol: the binary is stripped)";
    }
    int status = 0;
    char* dem = abi::__cxa_demangle(raw.c_str(), nullptr, nullptr, &status);
    std::string out = status == 0 && dem ? dem : raw;
    std::free(dem);
    return out;
}
}  // namespace weft::rt

namespace weft::detail {

FnId register_function(std::string name, void* fnptr, JobDecoder decode) {
    auto& r = rt::registry();
    std::lock_guard lk(r.mu);
    FnId id = name_hash(name);
    auto it = r.by_id.find(id);
    if (it != r.by_id.end()) {
        if (it->second.fnptr != fnptr) rt::duplicate(name, "already registered: " + it->second.name);
        return id;
    }
    r.by_id.emplace(id, rt::RegisteredFn{name, fnptr, decode});
    r.by_addr.emplace(fnptr, id);
    return id;
}

FnId register_callable(std::string name, JobDecoder decode) {
    auto& r = rt::registry();
    std::lock_guard lk(r.mu);
    FnId id = name_hash(name);
    r.by_id.emplace(id, rt::RegisteredFn{std::move(name), nullptr, decode});
    return id;
}

FnId function_id(void* fnptr) {
    auto& r = rt::registry();
    {
        std::lock_guard lk(r.mu);
        auto it = r.by_addr.find(fnptr);
        if (it != r.by_addr.end()) return it->second;
    }
    std::string name = rt::symbol_name(fnptr);
    std::string bare = name.substr(0, name.find('('));
    throw std::logic_error(name + " is not registered for remote calls; add '#pragma weft remote' before it, or " +
                           "WEFT_REMOTE(" + bare + ") at namespace scope after it (written as weft::remotecall<" + bare +
                           ">(pid, ...), a call is checked when the program links)");
}

void* function_pointer(FnId id) {
    const rt::RegisteredFn* f = rt::find_function(id);
    if (!f || !f->fnptr)
        throw std::logic_error("process " + std::to_string(weft::myid()) + " has no function registered under id " +
                               std::to_string(id) + ": every process must run the same binary, with the function "
                               "registered (WEFT_REMOTE or '#pragma weft remote')");
    return f->fnptr;
}

std::unique_ptr<Job> decode_not_callable(InArchive&, void* fnptr) {
    throw std::logic_error(rt::symbol_name(fnptr) + " (a lambda passed as a function pointer) was registered so that "
                           "its pointer can travel; its parameter or result types cannot cross processes, so it "
                           "cannot be called remotely itself");
}

std::string pretty_to_name(const char* pretty) {
    std::string s(pretty);
    auto at = s.find("F = ");
    if (at == std::string::npos) return s;
    at += 4;
    int depth = 0;
    std::size_t end = at;
    for (; end < s.size(); ++end) {
        char c = s[end];
        if (c == '<' || c == '(') ++depth;
        else if (c == '>' || c == ')') --depth;
        else if ((c == ';' || c == ']') && depth == 0) break;
    }
    std::string name = s.substr(at, end - at);
    if (!name.empty() && name[0] == '&') name.erase(0, 1);
    return name;
}

}  // namespace weft::detail
