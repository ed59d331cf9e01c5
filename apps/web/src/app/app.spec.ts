import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { App } from './app';

describe('App', () => {
  it('renders the product title and the navigation', async () => {
    TestBed.configureTestingModule({
      imports: [App],
      providers: [provideRouter([])],
    });
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('h1')?.textContent).toBe('TFT Inference Engine');
    expect([...el.querySelectorAll('nav a')].map((a) => a.textContent?.trim())).toEqual(['Fleet overview', 'API docs']);
  });
});
