// weft/detail/call.hpp — how a call travels: the function registry (ids are stable name
// hashes), the decoded-call Job that a worker runs in its own task, and the packing of a
// callable plus arguments into a message. Users never name these.
#pragma once
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "../call_site.hpp"
#include "../serialize.hpp"

namespace weft::detail {

using FnId = std::uint64_t;

/// 64-bit FNV-1a: the stable id of a registered name.
constexpr FnId name_hash(std::string_view s) {
    FnId h = 1469598103934665603ull;
    for (char c : s) { h ^= static_cast<unsigned char>(c); h *= 1099511628211ull; }
    return h;
}

/// A type-erased value produced by a call or stored behind a Future: the object, its
/// type, and how to write it into a message.
struct Value {
    std::shared_ptr<void> ptr;                          ///< null for void
    void (*save)(const void*, OutArchive&) = nullptr;   ///< null for void
    const std::type_info* type = &typeid(void);
};

template <class R>
void save_value(const void* p, OutArchive& ar) { ar(*static_cast<const R*>(p)); }

template <class R>
Value make_value(R&& v) {
    using D = std::decay_t<R>;
    return Value{std::make_shared<D>(std::forward<R>(v)), &save_value<D>, &typeid(D)};
}

/// Reads a value of type T written by save_value<T>.
using ValueDecoder = std::shared_ptr<void> (*)(InArchive&);
template <class T>
std::shared_ptr<void> decode_value(InArchive& ar) {
    auto p = std::make_shared<T>();
    ar(*p);
    return p;
}

/// A decoded call, ready to run in its own task.
struct Job {
    virtual ~Job() = default;
    virtual Value run() = 0;  ///< exceptions propagate to the runtime, which captures them
    /// What the job runs, for the dashboard's "running now": the function's address, or
    /// nullptr for a callable object (then `callable()` names its type).
    virtual void* function() const noexcept { return nullptr; }
    virtual const std::type_info& callable() const noexcept { return typeid(void); }
};
using JobDecoder = std::unique_ptr<Job> (*)(InArchive&, void* fnptr);

/// Registers a function pointer under `name`; returns its id. Re-registering the same
/// function is harmless; two different functions with the same name are an error at start.
FnId register_function(std::string name, void* fnptr, JobDecoder decode);
/// Registers a callable type (closure, captureless lambda) under a per-binary name.
FnId register_callable(std::string name, JobDecoder decode);
/// The id of a registered function pointer; throws std::logic_error naming the function
/// and how to register it.
FnId function_id(void* fnptr);

/// The registered function pointer with this id; throws std::logic_error if none.
void* function_pointer(FnId id);

/// A registered function pointer that can travel inside a message (as its id), so that
/// plain functions can be parts of shipped function objects (loop bodies, pmap's f).
template <class Fp>
struct FnRef {
    Fp f = nullptr;
    template <class... A>
    decltype(auto) operator()(A&&... a) const { return f(std::forward<A>(a)...); }
    template <class Ar>
    void save(Ar& ar) const { ar(function_id(reinterpret_cast<void*>(f))); }
    template <class Ar>
    void load(Ar& ar) {
        FnId id = 0;
        ar(id);
        f = reinterpret_cast<Fp>(function_pointer(id));
    }
};

template <class R, class... P>
std::unique_ptr<Job> decode_function_call(InArchive& ar, void* fnptr);

/// A decoder for a function registered only so that its pointer can travel (its
/// parameters cannot): calling it remotely is refused where it arrives.
std::unique_ptr<Job> decode_not_callable(InArchive&, void*);

/// A captureless lambda (an empty class convertible to the function pointer type Fp)
/// passed where a registered function takes a function pointer: the function it converts
/// to is registered under the lambda type's name during static initialisation, in every
/// process of the binary, so that the pointer travels by id as a registered function's does.
template <class L, class Fp>
struct LambdaFunction;
template <class L, class R, class... P>
struct LambdaFunction<L, R (*)(P...)> {
    static std::unique_ptr<Job> decode(InArchive& ar, void* fnptr) {
        if constexpr ((Serializable<std::decay_t<P>> && ...) && Serializable<std::decay_t<R>>)
            return decode_function_call<R, P...>(ar, fnptr);
        else
            return decode_not_callable(ar, fnptr);
    }
    static inline const FnId id = register_function(std::string("lambda ") + typeid(L).name() + " as " +
                                                        typeid(R (*)(P...)).name(),
                                                    reinterpret_cast<void*>(static_cast<R (*)(P...)>(L{})), &decode);
};

/// What a function object member must be to travel: function pointers become FnRef,
/// everything else stays as it is.
template <class F>
auto shippable(F f) {
    if constexpr (std::is_pointer_v<F> && std::is_function_v<std::remove_pointer_t<F>>) return FnRef<F>{f};
    else return f;
}
template <class F>
using shippable_t = decltype(shippable(std::declval<std::decay_t<F>>()));

/// Checks that F can be a member of a shipped function object; `what` names the role.
template <class F>
constexpr void require_shippable() {
    static_assert(std::is_default_constructible_v<F> && (std::is_empty_v<F> || Serializable<F>),
                  "weft: this function must run on other processes: pass a registered function "
                  "(WEFT_REMOTE), a captureless lambda or a serializable function object (e.g. a "
                  "translator closure); a lambda with captures cannot be sent");
}

/// Passes a stored argument as an rvalue when the callee accepts one, else as an lvalue
/// (for `T&` parameters).
template <class Fn, class... P, std::size_t... I>
decltype(auto) apply_args(Fn& f, std::tuple<P...>& args, std::index_sequence<I...>) {
    if constexpr (std::is_invocable_v<Fn&, P&&...>)
        return std::invoke(f, std::move(std::get<I>(args))...);
    else
        return std::invoke(f, std::get<I>(args)...);
}
template <class Fn, class... P>
using apply_result_t = decltype(apply_args(std::declval<Fn&>(), std::declval<std::tuple<P...>&>(),
                                           std::index_sequence_for<P...>{}));

template <class Fn, class... P>
struct CallJob final : Job {
    Fn f{};
    std::tuple<P...> args;
    CallJob() = default;
    template <class G, class... A>
    explicit CallJob(G&& g, A&&... a) : f(std::forward<G>(g)), args(std::forward<A>(a)...) {}
    Value run() override {
        using R = apply_result_t<Fn, P...>;
        if constexpr (std::is_void_v<R>) {
            apply_args(f, args, std::index_sequence_for<P...>{});
            return Value{};
        } else {
            return make_value(apply_args(f, args, std::index_sequence_for<P...>{}));
        }
    }
    void* function() const noexcept override {
        if constexpr (std::is_pointer_v<Fn> && std::is_function_v<std::remove_pointer_t<Fn>>)
            return reinterpret_cast<void*>(f);
        else if constexpr (requires { { f.weft_function() } -> std::same_as<void*>; })
            return f.weft_function();  // a pmap batch: the mapped function
        else
            return nullptr;
    }
    const std::type_info& callable() const noexcept override {
        if constexpr (requires { { f.weft_callable() } -> std::same_as<const std::type_info&>; })
            return f.weft_callable();  // a pmap batch: the mapped function object's type
        else
            return typeid(Fn);
    }
};

template <class R, class... P>
std::unique_ptr<Job> decode_function_call(InArchive& ar, void* fnptr) {
    auto job = std::make_unique<CallJob<R (*)(P...), std::decay_t<P>...>>();
    job->f = reinterpret_cast<R (*)(P...)>(fnptr);
    ar(job->args);
    return job;
}

template <class F>
constexpr bool callable_has_state = !std::is_empty_v<F>;

template <class F, class... P>
std::unique_ptr<Job> decode_callable_call(InArchive& ar, void*) {
    auto job = std::make_unique<CallJob<F, P...>>();
    if constexpr (callable_has_state<F>) ar(job->f);
    ar(job->args);
    return job;
}

/// One static per (callable type, argument types) used anywhere in the program: it
/// registers the pair during static initialisation, in every process of the binary.
template <class F, class... P>
struct CallableRegistrar {
    static inline const FnId id =
        register_callable(typeid(CallableRegistrar).name(), &decode_callable_call<F, P...>);
};

/// What the caller needs to know about calling F with Args: the parameter types the
/// callee decodes, the result type, the id, and the compile-time checks.
template <class F, class... Args>
struct CallTraits;

template <class R, class... P, class... Args>
struct CallTraits<R (*)(P...), Args...> {
    using Params = std::tuple<std::decay_t<P>...>;
    using Result = std::decay_t<R>;
    static constexpr bool is_function = true;
    static void check() {
        static_assert(sizeof...(P) == sizeof...(Args),
                      "weft: wrong number of arguments for the remote function");
        static_assert((std::is_constructible_v<std::decay_t<P>, Args&&> && ...),
                      "weft: an argument does not convert to the remote function's parameter type");
        (require_serializable<std::decay_t<P>>(), ...);
        require_serializable<Result>();
    }
    static FnId id(R (*f)(P...)) { return function_id(reinterpret_cast<void*>(f)); }
    static std::unique_ptr<Job> local_job(R (*f)(P...), Args&&... a) {
        return std::make_unique<CallJob<R (*)(P...), std::decay_t<P>...>>(f, std::forward<Args>(a)...);
    }
    template <class... A>
    static void encode_args(OutArchive& ar, A&&... a) {
        encode_each<std::decay_t<P>...>(ar, std::forward<A>(a)...);
    }
    template <class... Q, class... A>
    static void encode_each(OutArchive& ar, A&&... a) {
        (encode_one<Q>(ar, std::forward<A>(a)), ...);
    }
    template <class Q, class A>
    static void encode_one(OutArchive& ar, A&& a) {
        if constexpr (std::is_same_v<std::remove_cvref_t<A>, Q>) {
            ar(a);
        } else {
            // A captureless lambda for a function-pointer parameter: the function it converts to travels.
            if constexpr (is_function_pointer_v<Q> && is_stateless_v<std::remove_cvref_t<A>>)
                (void)LambdaFunction<std::remove_cvref_t<A>, Q>::id;
            ar(Q(std::forward<A>(a)));
        }
    }
};

template <class F, class... Args>
    requires std::is_class_v<F>
struct CallTraits<F, Args...> {
    using Result = std::decay_t<apply_result_t<F, std::decay_t<Args>...>>;
    static constexpr bool is_function = false;
    static void check() {
        static_assert(std::is_default_constructible_v<F> && (std::is_empty_v<F> || Serializable<F>),
                      "weft: only registered functions, captureless lambdas and serializable function "
                      "objects (e.g. translator closures) can run remotely; a lambda with captures cannot "
                      "be sent: use '#pragma weft spawn' or a WEFT_REMOTE function with arguments");
        (require_serializable<std::decay_t<Args>>(), ...);
        require_serializable<Result>();
    }
    static FnId id(const F&) { return CallableRegistrar<F, std::decay_t<Args>...>::id; }
    static std::unique_ptr<Job> local_job(const F& f, Args&&... a) {
        return std::make_unique<CallJob<F, std::decay_t<Args>...>>(f, std::forward<Args>(a)...);
    }
    static void encode_state(OutArchive& ar, const F& f) {
        if constexpr (callable_has_state<F>) ar(f);
    }
    template <class... A>
    static void encode_args(OutArchive& ar, A&&... a) { (encode_one(ar, a), ...); }
    template <class A>
    static void encode_one(OutArchive& ar, A& a) {
        if constexpr (std::is_function_v<A>) ar(&a);  // a function's name: its pointer travels
        else ar(a);
    }
};

/// Decays F so that function names and references become what CallTraits expects.
template <class F>
using callable_t = std::conditional_t<std::is_function_v<std::remove_reference_t<F>>,
                                      std::add_pointer_t<std::remove_reference_t<F>>, std::decay_t<F>>;

template <class F, class... Args>
using call_result_t = typename CallTraits<callable_t<F>, Args...>::Result;

/// Writes the callable's state (if any) and the arguments of one call.
using Encoder = void (*)(OutArchive&, const void* ctx);

template <class F, class... Args>
struct CallPacket {
    using Traits = CallTraits<callable_t<F>, Args...>;
    const callable_t<F>& f;
    std::tuple<Args&&...> args;
    static void encode(OutArchive& ar, const void* ctx) {
        auto& self = *static_cast<const CallPacket*>(ctx);
        if constexpr (!Traits::is_function) Traits::encode_state(ar, self.f);
        std::apply([&](auto&&... a) { Traits::encode_args(ar, a...); },
                   const_cast<std::tuple<Args&&...>&>(self.args));
    }
};

/// Function-name extraction for WEFT_REMOTE: the qualified name of F as the compiler
/// prints it in __PRETTY_FUNCTION__.
std::string pretty_to_name(const char* pretty);
template <auto F>
std::string function_name() { return pretty_to_name(__PRETTY_FUNCTION__); }

template <class R, class... P>
FnId register_function_as(std::string name, R (*f)(P...)) {
    return register_function(std::move(name), reinterpret_cast<void*>(f), &decode_function_call<R, P...>);
}

// Registration checked at link time. The template forms (remotecall<f>(pid, ...)) call
// missing_WEFT_REMOTE_for(RemoteFn<&f>) from the caller's own code, through a defaulted
// argument; RemoteFn<F> only declares that function (a friend), and only
// Registration<F>, which WEFT_REMOTE(f) instantiates, defines it. So a program that
// calls f remotely without registering it fails to link with
//   main.cpp:12: undefined reference to
//   `weft::detail::missing_WEFT_REMOTE_for(weft::detail::RemoteFn<&(count_heads(long))>)'
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-template-friend"  // a non-template friend is the point
#endif
template <auto F>
struct RemoteFn {
    friend FnId missing_WEFT_REMOTE_for(RemoteFn);
};
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
template <auto F>
struct Registration {
    static inline FnId id = 0;  ///< set by the registration (static initialisation)
    friend FnId missing_WEFT_REMOTE_for(RemoteFn<F>) {
        // Called before the registering file's static initialisation ran: look it up.
        return id ? id : function_id(reinterpret_cast<void*>(F));
    }
    static bool register_as(std::string name) {
        id = register_function_as(std::move(name), F);
        return missing_WEFT_REMOTE_for(RemoteFn<F>{}) == id;  // emits the definition here
    }
};
template <auto... Fs>
bool register_functions() {
    return (Registration<Fs>::register_as(function_name<Fs>()) && ...);
}

/// The process argument of the template forms: the process, the caller's location and
/// the registered id of F, looked up from the caller's code (see above).
template <auto F>
struct RegisteredCall : ProcAt {
    FnId id;
    RegisteredCall(int p, CallSite s = {}, FnId i = missing_WEFT_REMOTE_for(RemoteFn<F>{})) noexcept  // NOLINT
        : ProcAt(p, s), id(i) {}
};

}  // namespace weft::detail
