import { Component, CUSTOM_ELEMENTS_SCHEMA, signal, viewChild, type AfterViewInit, type ElementRef, type OnDestroy } from '@angular/core';
import { Guard, type GuardUser } from 'camfa-guard';

// ?appId=shop&host=https://mfa.example.com (the test passes its own backend).
const params = new URLSearchParams(location.search);

@Component({
  selector: 'guard-example',
  // CUSTOM_ELEMENTS_SCHEMA: Angular lets `<guard-login>` and the other guard-* tags through as DOM elements.
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <main>
      <h1>camfa-guard · Angular</h1>
      @if (user(); as user) {
        <p id="signed-in">Signed in as {{ user.username ?? user.originalIdentity }}</p>
      } @else {
        <div #slot></div>
      }
      @if (error(); as error) {
        <p role="alert">{{ error }}</p>
      }
    </main>
  `,
})
export class AppComponent implements AfterViewInit, OnDestroy {
  private readonly guard = new Guard({ appId: params.get('appId') ?? 'shop', host: params.get('host') ?? 'http://127.0.0.1:8787' });
  private readonly slot = viewChild<ElementRef<HTMLElement>>('slot');
  readonly user = signal<GuardUser | null>(null);
  readonly error = signal<string | null>(null);

  ngAfterViewInit(): void {
    // Renders <guard-login> into the div; resolves once the user signed in, step-up included.
    this.guard.start(this.slot()!.nativeElement).then(
      (result) => this.user.set(result.user),
      (failure: Error) => this.error.set(failure.message),
    );
  }

  ngOnDestroy(): void {
    this.guard.unmount();
  }
}
